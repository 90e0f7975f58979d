"""Query understanding: what a reader typed -> an ``Understanding`` the engine ranks.

Owns: the query language (``querylang``: clauses, phrases, +/-, OR, field scopes), the
understood query's data model (``queryplan``), understanding a question (``understanding``:
lexicon concepts, content words, ignored question words), corrections of slips
(``corrections``, ``homophones``), completing the last word (``completion``), the word lists
queries are read with (``wordlists``) and search-box suggestions (``suggest``).

May import: analysis and searchsvc's base modules. Never engine, ingest or web: the index's
vocabulary reaches it through the ``queryplan.Vocabulary`` protocol.
"""
