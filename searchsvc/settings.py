"""Every ``SEARCHSVC_*`` setting, declared once: its name, type, default, meaning and check.

``SETTINGS`` below is the one table.  Each part reads the typed, validated value
from it, never ``os.environ``: ``create_app`` calls ``load(overrides)``, which reads
every setting from the environment (``create_app``'s config wins over it), converts
it and checks it, and raises one ``SettingsError`` naming each bad variable, the value
it got and what is expected, before anything starts.  An empty environment variable
counts as unset (its default applies).  The app's ``config`` then holds
the typed values (``app.config["SEARCHSVC_TIME_BUDGET"]`` is a float of seconds).
``searchsvc settings`` prints the table (with ``--check``, what the environment sets
and whether it is valid), ``searchsvc serve --help`` lists it, and README's "Settings"
table is generated from it (``searchsvc settings --markdown``; a test holds them equal).

Adding a setting is one line in ``SETTINGS``::

    Setting("SEARCHSVC_INSIGHTS_DAYS", whole(minimum=1), 30, "days of searches the insights page counts"),

- the name starts with ``SEARCHSVC_``;
- the type is one of the converters below (``whole``, ``seconds``, ``text``, ``choice``,
  ``rate``, ``storage``, ``origins``, ``addresses``, ``folder``, ``tokens``) or a new one: a
  function from the raw value (a string from the environment, or whatever
  ``create_app``'s config passes) to the typed value that raises ``ValueError`` when the
  value is bad, with an ``expects`` attribute saying what a good value is (``converter``
  below makes one);
- the default is given typed (the converter is not applied to it), and the help is one
  line saying what the setting does, for ``--help`` and README;
- then read it where it is used: ``current_app.config["SEARCHSVC_INSIGHTS_DAYS"]`` in the
  web layer, ``value("SEARCHSVC_INSIGHTS_DAYS")`` elsewhere.  The tests pick it up
  by themselves (tests/test_settings.py is parametrised over this table), and README's
  table is regenerated with ``searchsvc settings --markdown``.

This module imports nothing of the project (``index.py`` takes its default folder from it).
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from typing import Any, Callable, Mapping

PREFIX = "SEARCHSVC_"
OFF = ("", "0", "off", "none", "false")


class SettingsError(ValueError):
    """One or more settings have values that cannot be used; the message names each one."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        head = "a setting has a bad value" if len(problems) == 1 else f"{len(problems)} settings have bad values"
        super().__init__(f"{head}:\n  " + "\n  ".join(problems))


def converter(expects: str, bad: tuple = (), good: tuple = ()):
    """Mark ``fn`` (raw value -> typed value, ValueError when bad) with what a good value is, and
    examples the tests run through every setting of this type: ``bad`` raw values it must refuse,
    ``good`` (raw, typed) pairs it must accept."""

    def mark(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
        fn.expects, fn.bad, fn.good = expects, bad, good
        return fn

    return mark


def _raw(value: Any) -> str:
    return value.strip() if isinstance(value, str) else str(value)


def whole(minimum: int = 0, maximum: int | None = None):
    span = f"from {minimum} to {maximum}" if maximum is not None else f"{minimum} or more"

    bad = ("many", "3.5", "1e3", str(minimum - 1)) + ((str(maximum + 1),) if maximum is not None else ())
    good = ((str(minimum), minimum), (f" {minimum + 1} ", minimum + 1), (minimum + 1, minimum + 1))

    @converter(f"a whole number, {span}", bad, good)
    def convert(value: Any) -> int:
        if isinstance(value, bool) or isinstance(value, float):
            raise ValueError
        number = int(_raw(value))  # "3.5", "", "many": ValueError
        if number < minimum or (maximum is not None and number > maximum):
            raise ValueError
        return number

    return convert


def seconds(what: str = ""):
    @converter("a number of seconds, 0 or more" + (f" ({what})" if what else ""),
               ("soon", "5s", "-1", "nan", "inf"), (("0", 0.0), ("0.25", 0.25), ("5", 5.0), (2, 2.0)))
    def convert(value: Any) -> float:
        if isinstance(value, bool):
            raise ValueError
        number = float(_raw(value))
        if not number >= 0 or number == float("inf"):  # nan, negative, inf
            raise ValueError
        return number

    return convert


@converter("any text", (), (("x", "x"),))
def text(value: Any) -> str:
    return _raw(value)


@converter("a folder path", ("bad\0path",), (("some/folder", "some/folder"),))
def folder(value: Any) -> str:
    raw = _raw(value)
    if "\0" in raw:
        raise ValueError
    return raw


@converter('requests per period, such as "600/minute", "20/second" or "600/minute;20/second", '
           'or "off" (no limit)', ("600", "600 a minute", "600/fortnight", "0/minute", "-5/hour"),
           (("5/hour", "5/hour"), ("600/minute;20/second", "600/minute;20/second"), ("off", None), ("OFF", None)))
def rate(value: Any) -> str | None:
    raw = _raw(value)
    if raw.lower() in OFF:
        return None
    from limits import parse_many

    try:
        items = parse_many(raw)
    except ValueError:
        raise ValueError from None
    if not items or any(item.amount < 1 for item in items):
        raise ValueError
    return raw


@converter("empty (the embedded store in the state folder) or a redis://host:port/db URL "
           "(also rediss:// and unix://)", ("localhost:6379", "memcached://x:11211", "redis://", "/tmp/folder"),
           (("", ""), ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0")))
def storage(value: Any) -> str:
    raw = _raw(value)
    if raw and not (raw.startswith(("redis://", "rediss://", "unix://")) and len(raw.split("://", 1)[1]) > 0):
        raise ValueError
    return raw


@converter('"*" (any origin) or a comma-separated list of origins such as https://a.example,https://b.example',
           ("a.example", "https://a.example/path", "*,https://a.example", "ftp://a.example"),
           (("*", ("*",)), ("https://a.example, http://b.example:8080", ("https://a.example", "http://b.example:8080"))))
def origins(value: Any) -> tuple[str, ...]:
    items = tuple(o.strip() for o in _raw(value).split(",") if o.strip()) or ("*",)
    if "*" in items:
        if items != ("*",):
            raise ValueError
        return items
    for item in items:
        scheme, _, host = item.partition("://")
        if scheme not in ("http", "https") or not host or "/" in host or " " in host:
            raise ValueError
    return items


@converter("a comma-separated list of IP addresses (empty: none)", ("localhost", "10.0.0.300", "10.0.0.1;10.0.0.2"),
           (("", frozenset()), ("127.0.0.1, ::1", frozenset({"127.0.0.1", "::1"}))))
def addresses(value: Any) -> frozenset[str]:
    out = set()
    for item in _raw(value).split(","):
        if item.strip():
            out.add(str(ipaddress.ip_address(item.strip())))  # ValueError for a host name or a typo
    return frozenset(out)


def number(minimum: float, unit: str):
    """A positive number of ``unit`` (hours, seconds), at least ``minimum``."""

    @converter(f"a number of {unit}, at least {minimum:g}", ("soon", "-1", "0", "nan", "inf"),
               (("1", 1.0), (" 2.5 ", 2.5), (3, 3.0)))
    def convert(value: Any) -> float:
        if isinstance(value, bool):
            raise ValueError
        amount = float(_raw(value))
        if not amount >= minimum or amount == float("inf"):
            raise ValueError
        return amount

    return convert


@converter("empty (SQLite in the state folder, else beside the index), off (record nothing), "
           "or a redis://host:port/db URL", ("sqlite:///x.db", "redis://", "/tmp/insights"),
           (("", ""), ("off", "off"), ("OFF", "off"), ("redis://127.0.0.1:6379/1", "redis://127.0.0.1:6379/1")))
def insights_storage(value: Any) -> str:
    raw = _raw(value)
    return "off" if raw.lower() == "off" else storage(raw)


@converter('requests per period, such as "10/minute" (attempts cannot be unlimited)',
           ("off", "10", "0/minute"), (("10/minute", "10/minute"), ("5/minute;50/hour", "5/minute;50/hour")))
def attempts(value: Any) -> str:
    limit = rate(value)
    if limit is None:
        raise ValueError
    return limit


MIN_TOKEN_CHARS = 16
MIN_SECRET_CHARS = 32


@converter(f"a comma-separated list of random tokens of at least {MIN_TOKEN_CHARS} characters each "
           "(python -c 'import secrets; print(secrets.token_urlsafe(24))'); empty: none",
           ("short", "a" * 20 + ",tiny"), (("", ()), ("a" * 16 + ", " + "b" * 20, ("a" * 16, "b" * 20))))
def tokens(value: Any) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        value = ",".join(value)
    items = tuple(t.strip() for t in _raw(value).split(",") if t.strip())
    if any(len(t) < MIN_TOKEN_CHARS for t in items):
        raise ValueError
    return items


def secret(min_chars: int):
    @converter(f"empty, or at least {min_chars} random characters", ("x" * (min_chars - 1),),
               (("", ""), ("k" * min_chars, "k" * min_chars)))
    def convert(value: Any) -> str:
        raw = _raw(value)
        if raw and len(raw) < min_chars:
            raise ValueError
        return raw

    return convert


@dataclass(frozen=True)
class Setting:
    """One setting: ``convert`` turns a raw value into the typed one (ValueError when bad)."""

    name: str
    convert: Callable[[Any], Any]
    default: Any
    help: str
    secret: bool = False  # a bad value is never echoed, nor shown by `searchsvc settings --check`

    @property
    def expects(self) -> str:
        return getattr(self.convert, "expects", "a valid value")

    def shown_default(self) -> str:
        """The default as it is written in the environment (empty, 600/minute, *, 5)."""
        value = self.default
        if value is None:
            return "off"
        if isinstance(value, (tuple, frozenset, list)):
            return ",".join(sorted(value))
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    def read(self, raw: Any, source: str) -> Any:
        """The typed value of ``raw``; ValueError with the message SettingsError lists."""
        try:
            return self.convert(raw)
        except (ValueError, TypeError):
            shown = "(the value is secret)" if self.secret else repr(raw)
            raise ValueError(f"{self.name}={shown} ({source}): expected {self.expects}") from None


# -- the table ------------------------------------------------------------------------
# Keep it grouped by part; README's "Settings" table lists it in this order.

SETTINGS: tuple[Setting, ...] = (
    # where the index is
    Setting("SEARCHSVC_INDEX", folder, "index",
            "index folder holding the published snapshots ('current' points at the live one); "
            "the command line's --index overrides it"),
    # the web service
    Setting("SEARCHSVC_CORS_ORIGINS", origins, ("*",),
            "origins allowed to call /api/* from a browser (GET only)"),
    Setting("SEARCHSVC_CACHE_MB", whole(0), 64,
            "megabytes of search results cached for all workers of the server (0 turns the cache off)"),
    Setting("SEARCHSVC_CACHE_STORAGE", storage, "",
            "where that cache lives: empty is the embedded store in the state folder (one machine); "
            "a redis:// URL shares it between machines"),
    Setting("SEARCHSVC_CACHE_MAX_AGE", whole(0), 60,
            "seconds a browser or CDN may reuse a page or API response before revalidating (Cache-Control)"),
    Setting("SEARCHSVC_STATE_DIR", folder, "",
            "folder the workers share their embedded stores in (cache, rate-limit counters); empty is a "
            "private one per `searchsvc serve`, removed when it stops"),
    Setting("SEARCHSVC_TRUSTED_PROXIES", whole(0, 10), 0,
            "reverse proxies in front whose X-Forwarded-For and -Proto headers are trusted (1 behind nginx); "
            "a forwarded Host or prefix never is"),
    # abuse protections
    Setting("SEARCHSVC_RATE_LIMIT", rate, "600/minute",
            "requests per client address on /api/*, over all API routes and all workers; "
            "over it a client gets 429 with Retry-After"),
    Setting("SEARCHSVC_RATE_LIMIT_STORAGE", storage, "",
            "where the rate-limit counters live: empty is the embedded store in the state folder (one machine); "
            "a redis:// URL shares them between machines"),
    Setting("SEARCHSVC_RATE_LIMIT_EXEMPT", addresses, frozenset(),
            "client addresses never rate-limited (a local health checker, say); loopback is limited like any client"),
    Setting("SEARCHSVC_TIME_BUDGET", seconds("0 turns the budget off"), 5.0,
            "seconds of index work a request may take before it is answered 503 with Retry-After; "
            "the search itself stops there too"),
    Setting("SEARCHSVC_BUDGET_THREADS", whole(1, 64), 4,
            "threads per worker that run index work under the time budget (bounds the CPU runaway queries take)"),
    Setting("SEARCHSVC_MAX_BODY", whole(0), 16 * 1024,
            "largest request body accepted, in bytes (the public routes read none); larger ones get 413"),
    # ingest and the lexicon (read by the command line too, not only the service)
    Setting("SEARCHSVC_INGEST_PROCS", whole(0, 256), 0,
            "writer processes of a large ingest; 0 is one per CPU core"),
    Setting("SEARCHSVC_LEXICON", folder, "",
            "a working copy of the lexicon folder to use instead of the installed one (an editor trying a change); "
            "empty is the package's own searchsvc/analysis/lexicon/"),
    # search insights (what readers search for; README, "Desk and insights")
    Setting("SEARCHSVC_INSIGHTS_STORAGE", insights_storage, "",
            "where search insights are kept: empty is SQLite in SEARCHSVC_STATE_DIR/insights/ when that is set, "
            "else beside the index (<index>/insights/); a redis:// URL; off records nothing"),
    Setting("SEARCHSVC_INSIGHTS_DAYS", whole(1), 90, "days of daily counts kept; older days are deleted"),
    Setting("SEARCHSVC_INSIGHTS_MIN_COUNT", whole(1), 5,
            "searches (over the days kept) before a query, or a correction, is shown on the desk "
            "or by `searchsvc insights`"),
    Setting("SEARCHSVC_INSIGHTS_QUEUE", whole(1), 10000,
            "records waiting to be written, per worker; beyond that new ones are dropped (and counted)"),
    Setting("SEARCHSVC_INSIGHTS_BATCH", whole(1), 200, "records that make the writer flush at once"),
    Setting("SEARCHSVC_INSIGHTS_FLUSH_SECONDS", number(0.01, "seconds"), 2.0,
            "seconds between flushes of the waiting records"),
    Setting("SEARCHSVC_INSIGHTS_BEACON_RATE", rate, "50/second",
            "insight beacons counted per route and worker process, from all readers together; more are "
            "refused (429) uncounted; off: no limit"),
    # the editors' desk (closed without a token)
    Setting("SEARCHSVC_EDITOR_TOKENS", tokens, (),
            "sign-in tokens of the editors; empty turns the desk off (404); kept in memory only as SHA-256 hashes",
            secret=True),
    Setting("SEARCHSVC_SECRET_KEY", secret(MIN_SECRET_CHARS), "",
            "key signing the editors' session cookie, the same on every worker and machine; "
            "required when SEARCHSVC_EDITOR_TOKENS is set", secret=True),
    Setting("SEARCHSVC_EDITOR_SESSION_HOURS", number(0.01, "hours"), 8.0, "hours an editor stays signed in"),
    Setting("SEARCHSVC_SIGNIN_RATE_LIMIT", attempts, "10/minute",
            "sign-in attempts and wrong Bearer tokens (desk JSON, /metrics) per client address "
            "(counted where SEARCHSVC_RATE_LIMIT_STORAGE counts)"),
    # operators
    Setting("SEARCHSVC_METRICS_TOKEN", secret(MIN_TOKEN_CHARS), "",
            "bearer token that may read /metrics from anywhere (kept hashed); empty: loopback clients only",
            secret=True),
)

# Settings that are only good together: (check of the typed values -> a problem or None).
def _key_with_tokens(values: Mapping[str, Any]) -> str | None:
    if values["SEARCHSVC_EDITOR_TOKENS"] and not values["SEARCHSVC_SECRET_KEY"]:
        return (f"SEARCHSVC_SECRET_KEY must be set (at least {MIN_SECRET_CHARS} random characters) when "
                "SEARCHSVC_EDITOR_TOKENS is set: it signs the editors' session cookie")
    return None


JOINT_CHECKS: tuple[Callable[[Mapping[str, Any]], str | None], ...] = (_key_with_tokens,)

BY_NAME: Mapping[str, Setting] = {s.name: s for s in SETTINGS}
assert all(name.startswith(PREFIX) for name in BY_NAME) and len(BY_NAME) == len(SETTINGS)


def load(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every setting's typed value: ``overrides`` (create_app's config), else the environment, else
    the default.  Raises one SettingsError naming every bad value.  Keys of ``overrides`` that are
    not in the table are left out (the caller keeps them as they are)."""
    overrides = overrides or {}
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    problems: list[str] = []
    for setting in SETTINGS:
        if setting.name in overrides:
            raw, source = overrides[setting.name], "create_app's config"
        elif environ.get(setting.name, "").strip():  # an empty variable counts as unset
            raw, source = environ[setting.name], "environment"
        else:
            values[setting.name] = setting.default
            continue
        try:
            values[setting.name] = setting.read(raw, source)
        except ValueError as exc:
            problems.append(str(exc))
    if not problems:
        problems = [p for p in (check(values) for check in JOINT_CHECKS) if p]
    if problems:
        raise SettingsError(problems)
    return values


def value(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """One setting's typed value from the environment (or its default); SettingsError when bad."""
    setting = BY_NAME[name]
    environ = os.environ if environ is None else environ
    if not environ.get(name, "").strip():
        return setting.default
    try:
        return setting.read(environ[name], "environment")
    except ValueError as exc:
        raise SettingsError([str(exc)]) from None


def unknown(environ: Mapping[str, str] | None = None, others: tuple[str, ...] = ()) -> list[str]:
    """SEARCHSVC_* variables set in the environment that no setting (nor ``others``) names: typos, most likely."""
    environ = os.environ if environ is None else environ
    return sorted(k for k in environ if k.startswith(PREFIX) and k not in BY_NAME and k not in others)


# Variables read outside this table on purpose (not settings): the crash-safety tests' kill points.
OTHER_VARIABLES = ("SEARCHSVC_CRASH_AT",)


def markdown_table() -> str:
    """README's "Settings" table (``searchsvc settings --markdown``)."""
    lines = ["| variable | default | what | a good value |", "| --- | --- | --- | --- |"]
    for s in SETTINGS:
        default = f"`{s.shown_default()}`" if s.shown_default() else "empty"
        lines.append(f"| `{s.name}` | {default} | {s.help} | {s.expects} |")
    return "\n".join(lines)


def help_lines(width: int = 30) -> list[str]:
    """One line per setting for ``--help``: name, default, what it does."""
    out = []
    for s in SETTINGS:
        default = s.shown_default() or "empty"
        out.append(f"{s.name:<{width}} (default {default}) {s.help}")
    return out
