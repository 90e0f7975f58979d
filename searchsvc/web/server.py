"""Run the web service under gunicorn (``searchsvc serve``) or Flask's dev server (``--dev``)."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from gunicorn.app.base import BaseApplication

log = logging.getLogger("searchsvc.web")

# gunicorn's default access line, then the worker that answered: <pid>
# Readers' data is private: no client address (%(h)s), user, referrer or user agent is logged,
# and the request line is the method, the path and the protocol: never the query string (a search).
ACCESS_LOG_FORMAT = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s %(p)s'


def default_workers() -> int:
    """One process per core plus one (3 on 2 cores); each also runs a few threads."""
    return (os.cpu_count() or 1) + 1


def _warm(app) -> None:
    """Load jieba and the lexicon, and open the index if there is one, before serving."""
    from ..analysis import warm_up
    from ..engine.index import IndexUnavailable

    warm_up()
    try:
        app.extensions["searchsvc"]["searcher"].health()
    except IndexUnavailable as exc:
        log.warning("starting without an index: %s", exc)


class GunicornServer(BaseApplication):
    """gunicorn with our app; the app is built (and jieba loaded) once in the master, then forked."""

    def __init__(self, config: dict, options: dict):
        self.app_config = config
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self):
        from . import create_app
        from ..analysis import warm_up

        app = create_app(self.app_config)
        warm_up()  # in the master: forked workers share the loaded dictionaries
        return app


def _post_worker_init(worker) -> None:
    # Each worker opens its own index readers (file handles must not be shared across a fork).
    _warm(worker.wsgi)


def _worker_exit(server, worker) -> None:
    # Write the search insights still queued in this worker (max_requests recycles workers).
    recorder = getattr(worker, "wsgi", None) and worker.wsgi.extensions["searchsvc"].get("insights")
    if recorder is not None:
        recorder.close()
def _child_exit(server, worker) -> None:
    # In the master, when a worker exits: its counters stay (a scrape still sums them); live gauges go.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def metrics_dir() -> Path:
    """PROMETHEUS_MULTIPROC_DIR for this server, emptied: the operator's folder (one per server: a second
    server would empty it), or a private one removed when the server stops. Set before prometheus_client
    is imported, which reads it once (web/metrics.py)."""
    from .state import private_state_dir

    if "prometheus_client.values" in sys.modules and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        raise RuntimeError("prometheus_client was imported before the server set PROMETHEUS_MULTIPROC_DIR: "
                           "the workers' metrics would not be shared")
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    if configured:
        path = Path(configured)
        try:
            path.mkdir(parents=True, exist_ok=True)
            for stale in path.glob("*.db"):  # a previous run's counts: a new server starts from zero
                stale.unlink()
        except OSError as exc:
            raise ValueError(f"PROMETHEUS_MULTIPROC_DIR {configured!r} cannot be used: {exc.strerror}") from None
    else:
        path = private_state_dir("searchsvc-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    return path


def serve(index_dir, host: str, port: int, workers: int | None, threads: int, access_log: bool) -> None:
    metrics_dir()
    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers or default_workers(),
        "worker_class": "gthread",
        "threads": threads,
        "preload_app": True,
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        "max_requests": 5000,
        "max_requests_jitter": 500,
        "accesslog": "-" if access_log else None,
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "searchsvc",
        "post_worker_init": _post_worker_init,
        "worker_exit": _worker_exit,
        "child_exit": _child_exit,
        "limit_request_line": 8190,
        # No runtime control socket: several services (or test runs) on one host would share its path.
        "control_socket_disable": True,
    }
    GunicornServer({"SEARCHSVC_INDEX": str(index_dir)}, options).run()


def serve_dev(index_dir, host: str, port: int) -> None:
    from . import create_app

    app = create_app({"SEARCHSVC_INDEX": str(index_dir)})
    _warm(app)
    loopback = host in ("127.0.0.1", "localhost", "::1")
    # The debugger runs code typed into a browser: only ever on a loopback address.
    app.run(host=host, port=port, debug=loopback, use_reloader=loopback, threaded=True)
