"""The plain baseline behind HTTP, for latency and throughput ratios.

    python bench/baseline_app.py INDEX PORT [WORKERS]

gunicorn (gthread, the same worker and thread counts as ``searchsvc serve``) with a
Flask view that answers ``/api/search?q=`` with ``len(results)`` and the ten titles;
no highlighting, no caching.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def create_app(index: str):
    from flask import Flask, jsonify, request

    from baseline import BaselineSearcher

    app = Flask(__name__)
    state = {}

    def searcher():
        if "s" not in state:
            state["s"] = BaselineSearcher(Path(index))
        return state["s"]

    @app.get("/api/search")
    def search():
        q = request.args.get("q", "")
        s = searcher()
        query = s.parser.parse(q)
        results = s.searcher.search(query)
        return jsonify(total=len(results), hits=[h["title"] for h in results])

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok", documents=searcher().searcher.doc_count())

    return app


def main() -> int:
    from gunicorn.app.base import BaseApplication

    index, port = sys.argv[1], int(sys.argv[2])
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else (os.cpu_count() or 1) + 1

    class App(BaseApplication):
        def load_config(self):
            for k, v in dict(bind=f"127.0.0.1:{port}", workers=workers, worker_class="gthread", threads=4,
                             preload_app=True, errorlog="-", loglevel="warning", control_socket_disable=True).items():
                if k in self.cfg.settings:
                    self.cfg.set(k, v)

        def load(self):
            import jieba

            jieba.initialize()
            return create_app(index)

    App().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
