"""The settings of search insights and the editors' desk: one table (name, default, type, meaning).

The web app (``searchsvc.web.default_config``) and ``searchsvc insights`` read the same
table, so the command line finds what the server wrote given the same environment.
Each value is checked once, at startup, with one error naming the setting and the reason
(a secret's value is never echoed).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    kind: str  # "int", "float", "str", "secret"
    meaning: str
    low: float | None = None  # smallest accepted number

    def read(self, environ=None) -> object:
        """The raw value from the environment (the default when unset or blank)."""
        raw = (environ if environ is not None else os.environ).get(self.name, "")
        return raw if raw.strip() else self.default


SETTINGS: tuple[Setting, ...] = (
    Setting("SEARCHSVC_INSIGHTS_STORAGE", "", "str",
            "Where search insights are kept: empty = SQLite in SEARCHSVC_STATE_DIR/insights/ when that is set, else "
            "beside the index (<index>/insights/); redis://host:port/db = Redis; off = record nothing."),
    Setting("SEARCHSVC_INSIGHTS_DAYS", 90, "int", "Days of daily counts kept; older days are deleted.", low=1),
    Setting("SEARCHSVC_INSIGHTS_MIN_COUNT", 5, "int",
            "Searches (over the days kept) before a query, or a correction, is shown on the desk or by "
            "`searchsvc insights`.", low=1),
    Setting("SEARCHSVC_INSIGHTS_QUEUE", 10000, "int",
            "Records waiting to be written, per worker process; beyond that new ones are dropped (and counted).", low=1),
    Setting("SEARCHSVC_INSIGHTS_BATCH", 200, "int", "Records that make the writer flush at once.", low=1),
    Setting("SEARCHSVC_INSIGHTS_FLUSH_SECONDS", 2.0, "float", "Seconds between flushes of the waiting records.",
            low=0.01),
    Setting("SEARCHSVC_EDITOR_TOKENS", "", "secret",
            "Comma-separated sign-in tokens of the editors (each at least 16 characters); empty = the desk is off "
            "(404). Kept in memory only as SHA-256 hashes."),
    Setting("SEARCHSVC_SECRET_KEY", "", "secret",
            "Key signing the editors' session cookie (at least 32 characters; the same on every worker and "
            "machine). Required when SEARCHSVC_EDITOR_TOKENS is set."),
    Setting("SEARCHSVC_EDITOR_SESSION_HOURS", 8.0, "float", "Hours an editor stays signed in.", low=0.01),
    Setting("SEARCHSVC_SIGNIN_RATE_LIMIT", "10/minute", "str",
            "Sign-in attempts per client address (counted where SEARCHSVC_RATE_LIMIT_STORAGE counts)."),
)

BY_NAME = {s.name: s for s in SETTINGS}
MIN_TOKEN_CHARS = 16
MIN_SECRET_CHARS = 32


def from_environment(environ=None) -> dict:
    """Every setting of the table, raw from the environment (validated by ``validate``)."""
    return {s.name: s.read(environ) for s in SETTINGS}


def _number(setting: Setting, raw, cast: Callable):
    try:
        value = cast(str(raw).strip()) if isinstance(raw, str) else cast(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{setting.name} must be {'a whole number' if cast is int else 'a number'}, "
                         f"not {raw!r}") from None
    if setting.low is not None and value < setting.low:
        raise ValueError(f"{setting.name} must be at least {setting.low:g}, not {raw!r}")
    return value


def validate(config: dict) -> dict:
    """The table's settings from ``config`` (missing ones from their defaults), typed and checked.

    ValueError naming the setting on a bad value. Tokens come back as a list.
    """
    out = {}
    for s in SETTINGS:
        raw = config.get(s.name, s.default)
        if s.kind == "int":
            out[s.name] = _number(s, raw, int)
        elif s.kind == "float":
            out[s.name] = _number(s, raw, float)
        else:
            out[s.name] = "" if raw is None else str(raw).strip()
    storage = out["SEARCHSVC_INSIGHTS_STORAGE"]
    if storage and storage.lower() != "off" and not storage.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError("SEARCHSVC_INSIGHTS_STORAGE must be empty (SQLite in the state folder or beside the index), "
                         f"'off', or a redis:// URL, not {storage!r}")
    tokens = [t.strip() for t in out["SEARCHSVC_EDITOR_TOKENS"].split(",") if t.strip()]
    short = [i + 1 for i, t in enumerate(tokens) if len(t) < MIN_TOKEN_CHARS]
    if short:  # never echo a token
        raise ValueError(f"SEARCHSVC_EDITOR_TOKENS: token number {short[0]} is shorter than {MIN_TOKEN_CHARS} "
                         "characters; use long random tokens (python -c 'import secrets; print(secrets.token_urlsafe(24))')")
    out["SEARCHSVC_EDITOR_TOKENS"] = tokens
    key = out["SEARCHSVC_SECRET_KEY"]
    if tokens and len(key) < MIN_SECRET_CHARS:
        raise ValueError(f"SEARCHSVC_SECRET_KEY must be set to at least {MIN_SECRET_CHARS} random characters when "
                         "SEARCHSVC_EDITOR_TOKENS is set (it signs the editors' session cookie and must be the same "
                         "on every worker and machine)")
    from limits import parse

    try:
        parse(out["SEARCHSVC_SIGNIN_RATE_LIMIT"])
    except ValueError:
        raise ValueError("SEARCHSVC_SIGNIN_RATE_LIMIT must be a rate such as '10/minute', "
                         f"not {out['SEARCHSVC_SIGNIN_RATE_LIMIT']!r}") from None
    return out


def describe() -> str:
    """The table as text (for --help and the docs)."""
    return "\n".join(f"{s.name} (default {s.default!r}): {s.meaning}" for s in SETTINGS)
