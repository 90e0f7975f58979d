"""The state folder: where the worker processes of one server share their embedded stores.

The rate-limit counters (``ratelimit.py``) and the result cache (``resultcache.py``)
live in one folder that every worker of a server opens: ``SEARCHSVC_STATE_DIR`` when
it is set (point several services of one machine at the same folder to share one
budget per client and one cache), else a private folder that ``searchsvc serve``
makes for itself when it starts and removes when it stops.  Nothing in it needs to
survive a restart: a fresh server starts with empty counters and an empty cache.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path


def private_state_dir(prefix: str = "searchsvc-state-") -> Path:
    """A new folder removed when the process that made it exits (not when a forked worker does)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    owner = os.getpid()

    def remove() -> None:
        if os.getpid() == owner:
            shutil.rmtree(path, ignore_errors=True)

    atexit.register(remove)
    return path


def state_dir(configured: str | os.PathLike | None) -> Path:
    """The configured folder (created if missing), or a private one."""
    if not configured or not str(configured).strip():
        return private_state_dir()
    path = Path(configured).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"SEARCHSVC_STATE_DIR {str(path)!r} cannot be created: {exc.strerror}") from None
    return path
