"""One ``Searcher`` shared by many threads (gunicorn's gthread workers, the time-budget pool).

Regression: every thread searched through one Whoosh searcher, whose readers seek
and read shared file objects, so concurrent searches read each other's bytes and
failed now and then with UnpicklingError or "Block tag error" (a 500), or could
return another query's data.  Each thread must get exactly what a lone thread gets.
"""

from __future__ import annotations

import sys
import threading

from searchsvc.engine.search import Searcher

QUERIES = ["KRAS G12C", "奥希替尼", "免疫治疗 不良反应", "乳腺癌", "胃癌", "expert:林晓舟", "PD-L1", "肺癌 -小细胞肺癌",
           "靶向治疗 耐药", "ORR", "脑转移", "多学科", ""]
THREADS = 8
ROUNDS = 60


def answer(searcher: Searcher, q: str):
    result = searcher.search(q, per_page=20)
    hits = [(h.id, h.title_html, [m.snippet_html for m in h.matches]) for h in result.hits]
    return result.total, hits, [searcher.article(h.id).title for h in result.hits[:3]]


def test_threads_sharing_a_searcher_get_exactly_what_a_lone_thread_gets(sample_index):
    alone = {q: answer(Searcher(sample_index), q) for q in QUERIES}
    shared = Searcher(sample_index)
    problems: list[str] = []
    start = threading.Barrier(THREADS)

    def run(k: int) -> None:
        start.wait()
        for i in range(ROUNDS):
            q = QUERIES[(i * 5 + k) % len(QUERIES)]
            try:
                got = answer(shared, q)
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                problems.append(f"{q!r}: {type(exc).__name__}: {exc}")
                continue
            if got != alone[q]:
                problems.append(f"{q!r}: a different answer")

    threads = [threading.Thread(target=run, args=(k,)) for k in range(THREADS)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as a busy server's I/O does, so races show up here
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert not problems, (len(problems), problems[:5])
