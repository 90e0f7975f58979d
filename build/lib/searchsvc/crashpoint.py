"""Named crash points for the kill -9 tests (tests/test_reliability_crash.py).

``checkpoint(name)`` marks a place in ingest where a crash must be survivable.  With
the environment variable ``SEARCHSVC_CRASH_AT=name:N`` set, the process sends itself
SIGKILL the N-th time it reaches ``name`` (a real kill -9: no exception, no
``finally``, no atexit).  Unset, a checkpoint costs one global lookup.
"""

from __future__ import annotations

import os
import signal


def _target() -> tuple[str, int] | None:
    raw = os.environ.get("SEARCHSVC_CRASH_AT", "").strip()
    if not raw:
        return None
    name, _, count = raw.partition(":")
    return name, int(count or 1)


_TARGET = _target()
_seen: dict[str, int] = {}


def checkpoint(name: str) -> None:
    if _TARGET is None or name != _TARGET[0]:
        return
    _seen[name] = _seen.get(name, 0) + 1
    if _seen[name] == _TARGET[1]:
        os.kill(os.getpid(), signal.SIGKILL)
