"""Ingest: saved pages -> articles -> a published index snapshot.

Owns: finding and decoding sources (``sources``), HTML to text (``htmlpage``), reading a
page's own structure into an ``Article`` (``parse`` and the modules it uses), writing and
publishing snapshots (``build``) and the incremental, idempotent run with its report
(``pipeline``).

May import: engine (the schema, the store and the posting format it writes), analysis and
searchsvc's base modules. Never web.
"""
