#!/usr/bin/env python3
"""What /metrics costs a request: the instruments one search request touches, timed in multiprocess mode.

    python bench/metrics_cost.py [--n 20000]

One request that searches records a counter and a latency histogram (by route, method and
status), three stage histograms and a result-cache lookup (searchsvc/web/metrics.py); under
gunicorn each write goes to an mmap'd file in PROMETHEUS_MULTIPROC_DIR. Prints microseconds
per request, to set beside a search's milliseconds (bench/ab.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20000, help="requests to simulate")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="metrics-cost-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder  # before prometheus_client is imported
    try:
        from searchsvc.web import metrics

        m = metrics.instruments()
        labels = ("/api/search", "GET", "200")
        started = time.perf_counter()
        for _ in range(args.n):
            m.requests.labels(*labels).inc()
            m.latency.labels(*labels).observe(0.006)
            for stage in metrics.STAGES:
                m.stage[stage].observe(0.002)
            m.cache_misses.labels("search").inc()
        per_request = (time.perf_counter() - started) / args.n
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps({"requests": args.n, "microseconds_per_request": round(per_request * 1e6, 1),
                      "load": os.getloadavg()[0]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
