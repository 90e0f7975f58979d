"""Search insights: what readers search for and don't find, counted privately.

Owns: the daily counters of understood queries, their totals and opened positions, in SQLite
or Redis (``store``), and the editors' report over them: top searches and their trend,
content gaps by concept, searches where nothing was opened, corrections (``report``, as
JSON, CSV and text). No IP address, cookie or user id is ever stored.

May import: analysis and query (a query is kept as understood: concepts and words) and
searchsvc's base modules. Never engine, ingest or web: the web layer records into it.
"""
