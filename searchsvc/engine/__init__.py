"""The engine: the index's format and storage, and ranking understood queries over it.

Owns: the one door into Whoosh's internals (``whooshformat``) and the posting format
(``codec``), posting lists and per-document columns as numpy arrays (``postings``,
``columns``), the schema and atomically published snapshots (``index``, ``snapshot``),
BM25F and the coverage rule (``ranking``, ``ranker``), highlighting (``highlight``), related
interviews (``related``), the index's vocabulary for query understanding (``vocabulary``),
and ``search.Searcher``, the one entry point the web and the CLI call.

May import: query, analysis and searchsvc's base modules. Never ingest or web.
"""
