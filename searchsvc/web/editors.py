"""Editors' sign-in: who may see the desk and its JSON.

- **Closed by default.** Without ``SEARCHSVC_EDITOR_TOKENS`` no desk route exists (404).
- **Tokens** come from that setting (comma-separated, 16+ characters each).  At startup each is
  replaced by its SHA-256 digest; only digests are kept.  A presented token is hashed and
  compared with ``hmac.compare_digest`` against *every* digest (no early exit), so the time
  taken says nothing about which token, or which prefix, is right.
- **The session** is Flask's signed cookie (itsdangerous, HMAC-SHA1 over the data and a
  timestamp) under ``SEARCHSVC_SECRET_KEY``.  That key is required when tokens are set: a
  key made up by each worker would not be shared by the others (nor by other machines), and
  one derived from the tokens would let any editor forge a cookie that never expires.  The
  cookie (``searchsvc_desk``) is HttpOnly, SameSite=Strict, Secure when the request came over
  HTTPS (directly, or through a trusted proxy: ``SEARCHSVC_TRUSTED_PROXIES``), and lasts
  ``SEARCHSVC_EDITOR_SESSION_HOURS``: the cookie's Max-Age, the signed timestamp (Flask
  refuses an older one) and the ``exp`` inside it all say so.  It holds the expiry, a CSRF
  token, a random session id and an HMAC (under the secret key) of the token's digest, so
  removing a token from the settings signs its sessions out, and the cookie's readable data
  cannot be used to check a guessed token.
- **Sign-out** also keeps the session's id as signed out, until the session would have
  expired, in the store the attempt limit counts in (``attempts.storage``: every worker, and
  every replica when that is Redis), so a copy of the cookie stops working too.
- **CSRF**: every desk form posts the session's CSRF token, compared in constant time; a
  POST without it is 400.  ``POST /api/related`` needs it too when the cookie authenticates
  it; ``Authorization: Bearer <token>`` authenticates the JSON API without a cookie or CSRF.
- **Rate limit** on sign-in attempts and wrong Bearer tokens per client address
  (``SEARCHSVC_SIGNIN_RATE_LIMIT``, default 10/minute: ``attempts.py``); when its store
  fails, sign-in is refused (503) rather than left unlimited.
- **No token in any log or page**: a failed sign-in is logged without what was typed, and
  the form is never filled back in.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import logging
import secrets
import time

from flask import Flask, abort, current_app, request, session
from flask.sessions import SecureCookieSessionInterface

from . import attempts
from .http import error_response

log = logging.getLogger("searchsvc.web")

COOKIE = "searchsvc_desk"
FINGERPRINT = 32  # hex digits of the HMAC that names a session's token
SIGNED_OUT = "searchsvc-signed-out/"  # + a session's id: in the attempt limit's store until the session expires


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def fingerprint(token_digest: str) -> str:
    """What a session cookie names its token by: an HMAC of the token's digest under the secret key,
    so the cookie (signed, not encrypted) says nothing that could be checked against a guessed token."""
    key = str(current_app.secret_key).encode("utf-8")
    return hmac.new(key, token_digest.encode("ascii"), hashlib.sha256).hexdigest()[:FINGERPRINT]


class DeskSessions(SecureCookieSessionInterface):
    """Flask's signed cookie session, Secure whenever the request itself is HTTPS."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure

    def should_set_cookie(self, app, session) -> bool:
        return session.modified  # never refresh on read: the expiry is the sign-in's


def enabled() -> bool:
    return bool(current_app.extensions["searchsvc"].get("editor_digests"))


def match(token: str | None) -> str | None:
    """The digest of ``token`` when it is an editor's; compared with every digest in constant time."""
    digests = current_app.extensions["searchsvc"].get("editor_digests") or ()
    if not token:
        return None
    presented = digest(token)
    found = None
    for known in digests:
        if hmac.compare_digest(presented, known):
            found = known
    return found


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def signed_in() -> bool:
    """A valid, unexpired session of a token still configured."""
    if not session.get("editor"):
        return False
    if float(session.get("exp", 0)) <= time.time():
        session.clear()
        return False
    digests = current_app.extensions["searchsvc"].get("editor_digests") or ()
    named = str(session.get("editor"))
    if not any(hmac.compare_digest(named, fingerprint(d)) for d in digests):
        session.clear()
        return False
    if _signed_out(str(session.get("sid") or "")):
        session.clear()
        return False
    return True


def sign_in(found_digest: str) -> None:
    hours = current_app.extensions["searchsvc"]["editor_hours"]
    session.clear()
    session.permanent = True
    session["editor"] = fingerprint(found_digest)
    session["exp"] = time.time() + hours * 3600
    session["csrf"] = secrets.token_urlsafe(32)
    session["sid"] = secrets.token_urlsafe(16)


def sign_out() -> None:
    """End the session here and for any copy of its cookie: its id is kept as signed out until it expires."""
    sid, exp = str(session.get("sid") or ""), float(session.get("exp", 0))
    session.clear()
    if sid:
        try:
            attempts.storage().incr(SIGNED_OUT + sid, max(1, int(exp - time.time()) + 1))
        except Exception as exc:
            log.warning("could not record a sign-out (%s): a copy of that cookie still works until it expires",
                        type(exc).__name__)


def _signed_out(sid: str) -> bool:
    """Whether the session ``sid`` was signed out (any worker; a session without an id is not one)."""
    if not sid:
        return True
    try:
        return attempts.storage().get(SIGNED_OUT + sid) > 0
    except Exception as exc:  # refused rather than unchecked, as sign-in is when the store fails
        log.warning("signed-out sessions cannot be read (%s); session refused", type(exc).__name__)
        return True


def csrf_token() -> str:
    """The session's CSRF token (made on first use: the sign-in form has one before anyone signs in)."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """400 unless the form (or the X-CSRF-Token header) carries the session's CSRF token."""
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    known = session.get("csrf") or ""
    if not known or not hmac.compare_digest(sent.encode(), known.encode()):
        abort(400, description="missing or wrong CSRF token")


def require_editor(view):
    """A desk page: 404 when the desk is off; else the sign-in page for anyone not signed in."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not enabled():
            abort(404)
        if not signed_in():
            from flask import redirect, url_for

            if request.path.startswith("/api/"):
                return _unauthorized()
            return redirect(url_for("desk.signin_form", next=request.full_path if request.method == "GET" else None))
        if request.method == "POST":
            check_csrf()
        return view(*args, **kwargs)

    return wrapper


def require_editor_api(view):
    """A desk JSON route: 404 when off; a Bearer token, or the session cookie (+ CSRF on POST); else 401."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not enabled():
            abort(404)
        bearer = _bearer()
        if bearer is not None:
            refused = attempts.refused()  # a client that has spent its attempts may try no token
            if refused is not None:
                return refused
            if match(bearer) is None:
                attempts.failed()
                return _unauthorized()
            return view(*args, **kwargs)
        if not signed_in():
            return _unauthorized()
        if request.method == "POST":
            check_csrf()
        return view(*args, **kwargs)

    return wrapper


def _unauthorized():
    response = error_response(401, "sign in at /desk/signin, or send Authorization: Bearer <editor token>", None,
                              "请先登录编辑台。")
    response.headers["WWW-Authenticate"] = 'Bearer realm="searchsvc desk"'
    return response


def init_app(app: Flask, settings: dict) -> None:
    tokens = settings["SEARCHSVC_EDITOR_TOKENS"]
    key = settings["SEARCHSVC_SECRET_KEY"]
    service = app.extensions["searchsvc"]
    service["editor_digests"] = tuple(digest(t) for t in tokens)  # the tokens themselves are not kept
    # no token and no copy of the key where the settings are shown or logged
    app.config["SEARCHSVC_EDITOR_TOKENS"] = settings["SEARCHSVC_EDITOR_TOKENS"] = f"({len(tokens)} configured)"
    app.config["SEARCHSVC_SECRET_KEY"] = settings["SEARCHSVC_SECRET_KEY"] = "(set)" if key else ""
    if not tokens:
        return
    app.secret_key = key
    hours = settings["SEARCHSVC_EDITOR_SESSION_HOURS"]
    service["editor_hours"] = hours
    app.config.update(SESSION_COOKIE_NAME=COOKIE, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
                      PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=hours), SESSION_REFRESH_EACH_REQUEST=False)
    app.session_interface = DeskSessions()
