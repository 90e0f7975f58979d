"""Abuse protections: a time budget per request and size limits (the rate limit is ``ratelimit.py``).

- **Time budget** (``SEARCHSVC_TIME_BUDGET`` seconds, default 5; 0 turns it off).
  Every index call a request makes (through ``caching.cached``) runs on a small
  per-process pool and is waited for until the request's deadline; past it the
  request gets a 503 with ``Retry-After`` and a message naming the budget, and the
  thread serving it is free again.  The work stops too: searches get the deadline
  (``Searcher.search(deadline=...)``: the ranking engine checks it before each posting
  list and while walking a phrase, the search before highlighting each hit), so a slow
  query costs its own budget and nothing more; the pool thread is free for the next
  request.  The pool
  (``SEARCHSVC_BUDGET_THREADS``, default 4) bounds how much CPU runaway work can take:
  when it is busy, new work waits within its own budget instead of piling up.
- **Rate limit**: see ``ratelimit.py``.
- **Size limits**: a request body of more than ``SEARCHSVC_MAX_BODY`` bytes
  (default 16 KiB; the public routes read none) is refused with 413; gunicorn
  bounds the request line and headers (``limit_request_line`` and friends).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from flask import Flask, abort, copy_current_request_context, current_app, g, request

from .. import results
from ..engine.search import OutOfTime


class OverBudget(Exception):
    """The request ran past its time budget."""

    def __init__(self, budget: float):
        super().__init__(f"the request took longer than its time budget of {budget:g} s; "
                         "try a shorter query, or retry in a moment")
        self.budget = budget


def deadline() -> float | None:
    """The request's deadline (a ``results.clock()`` value) for the work to stop at; None: no budget."""
    return g.get("deadline")


def within_budget(compute):
    """``compute()``, given up on (OverBudget) once the request's deadline has passed."""
    service = current_app.extensions["searchsvc"]
    pool = service.get("budget_pool")
    deadline = g.get("deadline")
    if pool is None or deadline is None:
        return compute()
    budget = service["budget"]
    remaining = deadline - results.clock()
    if remaining <= 0:
        raise OverBudget(budget)
    future = pool.submit(copy_current_request_context(compute))
    while True:
        try:
            return future.result(timeout=remaining)
        except FutureTimeout:
            # the clock decides, not the wait: with time.monotonic() the deadline has passed now
            remaining = deadline - results.clock()
            if remaining <= 0:
                future.cancel()  # not started yet: never runs; started: stops at its deadline, result dropped
                raise OverBudget(budget) from None
        except OutOfTime:  # the work itself reached the deadline and stopped
            raise OverBudget(budget) from None


def init_app(app: Flask) -> None:
    """The budget, its pool and the body limit, from the app's settings (typed and checked by create_app)."""
    budget: float = app.config["SEARCHSVC_TIME_BUDGET"]
    threads: int = app.config["SEARCHSVC_BUDGET_THREADS"]
    service = app.extensions["searchsvc"]
    service["budget"] = budget
    service["budget_pool"] = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="searchsvc-budget") \
        if budget > 0 else None
    max_body: int = app.config["SEARCHSVC_MAX_BODY"]
    app.config["MAX_CONTENT_LENGTH"] = max_body

    @app.before_request
    def start_the_clock():
        if budget > 0:
            g.deadline = results.clock() + budget
        if (request.content_length or 0) > max_body:
            abort(413)
