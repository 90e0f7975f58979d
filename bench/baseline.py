"""The plain baseline every figure is compared with.

jieba's ``jieba.analyse.ChineseAnalyzer`` with Whoosh defaults, ONE DOCUMENT PER
Q&A, the default ``QueryParser`` (AND over terms) over title/question/answer, and
``len(results)`` per query (which makes Whoosh count every hit exactly).  Pages are
parsed with the project's own parser, so the difference is in the indexing and
searching only.

The OR mode (``group="or"``, ``search --or``) queries the same index the way
Elasticsearch's default ``match`` query does: any analysed term may match, scores
are BM25 sums, so documents matching more (and rarer) terms rank higher.  Whoosh's
``OrGroup`` also joins the several tokens jieba makes of one unspaced word.

    python bench/baseline.py build CORPUS INDEX
    python bench/baseline.py update INDEX FILE...
    python bench/baseline.py search [--or] INDEX "query" ...
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import use_tree  # noqa: E402

use_tree()  # BENCH_TREE: parse pages with another commit's searchsvc, like "ours"

from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.qparser import AndGroup, MultifieldParser, OrGroup

from common import searchsvc_module

find_sources, read_source = (getattr(searchsvc_module("ingest.sources"), n) for n in ("find_sources", "read_source"))


def schema() -> Schema:
    from jieba.analyse import ChineseAnalyzer

    analyzer = ChineseAnalyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        article=ID(stored=True),
        title=TEXT(analyzer=analyzer, stored=True),
        question=TEXT(analyzer=analyzer, stored=True),
        answer=TEXT(analyzer=analyzer, stored=True),
        tag=KEYWORD(stored=True, commas=True),
        expert=KEYWORD(stored=True, commas=True),
        year=NUMERIC(int, stored=True),
    )


def documents(article):
    for i, qa in enumerate(article.qa, start=1):
        doc = dict(id=f"{article.id}#{i}", article=article.id, title=article.title, question=qa.question,
                   answer=qa.answer, tag=",".join(article.tags), expert=",".join(article.expert_names))
        if article.year:
            doc["year"] = article.year
        yield doc


def _articles(paths):
    for source in find_sources([Path(p) for p in paths]).sources:
        for item in read_source(source):
            if not isinstance(item, Exception):
                yield item


def build(corpus: Path, folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(folder), schema())
    writer = ix.writer()  # Whoosh defaults: one process, limitmb=128
    articles = docs = 0
    for article in _articles([corpus]):
        articles += 1
        for doc in documents(article):
            writer.add_document(**doc)
            docs += 1
    writer.commit()
    return dict(articles=articles, documents=docs)


def update(folder: Path, files: list[Path]) -> dict:
    ix = whoosh_index.open_dir(str(folder))
    writer = ix.writer()
    n = 0
    for article in _articles(files):
        writer.delete_by_term("article", article.id)
        for doc in documents(article):
            writer.add_document(**doc)
        n += 1
    writer.commit()
    return dict(articles=n)


GROUPS = {"and": AndGroup, "or": OrGroup}


class BaselineSearcher:
    """``group="and"``: Whoosh's default parser; ``group="or"``: any term, like Elasticsearch's ``match``."""

    def __init__(self, folder: Path, group: str = "and"):
        if group not in GROUPS:
            raise ValueError(f"group must be one of {sorted(GROUPS)}, not {group!r}")
        self.ix = whoosh_index.open_dir(str(folder))
        self.searcher = self.ix.searcher()
        self.parser = MultifieldParser(["title", "question", "answer"], self.ix.schema, group=GROUPS[group])

    def search(self, q: str) -> int:
        query = self.parser.parse(q)
        results = self.searcher.search(query)  # limit=10, the default
        return len(results)

    def refresh(self) -> None:
        self.searcher = self.searcher.refresh()


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command, rest = argv[0], argv[1:]
    started = time.perf_counter()
    if command == "build":
        out = build(Path(rest[0]), Path(rest[1]))
    elif command == "update":
        out = update(Path(rest[0]), [Path(p) for p in rest[1:]])
    elif command == "search":
        group = "or" if rest[:1] == ["--or"] else "and"
        rest = rest[1:] if group == "or" else rest
        s = BaselineSearcher(Path(rest[0]), group)
        out = {q: s.search(q) for q in rest[1:]}
    else:
        raise SystemExit(__doc__)
    out["seconds"] = round(time.perf_counter() - started, 3)
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
