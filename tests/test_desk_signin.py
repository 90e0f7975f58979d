"""Editors sign in (issue 21, item 4): the desk is closed by default and to anyone without a token.

Flask's test client over the sample index: no token configured (404 everywhere), an
anonymous client (sign-in page / 401), a wrong token, the right one (a signed HttpOnly
SameSite=Strict cookie, Secure over HTTPS), an expired or foreign cookie, a missing CSRF
token on each POST, the attempt limit, and no token in any page or log line.
"""

from __future__ import annotations

import logging
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

TOKEN = "editor-token-4f7a9c2e81"
OTHER = "second-editor-token-77aa"
SECRET = "s" * 24 + "-0123456789abcdef"
DESK = {"SEARCHSVC_EDITOR_TOKENS": f"{TOKEN}, {OTHER}", "SEARCHSVC_SECRET_KEY": SECRET}
DESK_ROUTES = [("get", "/desk"), ("get", "/desk/signin"), ("post", "/desk/signin"), ("post", "/desk/signout"),
               ("get", "/desk/related"), ("post", "/desk/related"), ("get", "/api/desk"), ("get", "/api/desk.csv"),
               ("post", "/api/related")]


@pytest.fixture
def desk_app(make_app):
    return make_app(**DESK)


@pytest.fixture
def anon(desk_app):
    return desk_app.test_client()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def signed_in_client(app):
    client = app.test_client()
    form = client.get("/desk/signin")
    response = client.post("/desk/signin", data={"token": TOKEN, "csrf_token": csrf_of(form.text)})
    assert response.status_code == 303 and response.headers["Location"] == "/desk"
    return client, response


@pytest.fixture
def editor(desk_app):
    return signed_in_client(desk_app)[0]


def test_without_a_configured_token_every_desk_route_is_404(client):
    for method, path in DESK_ROUTES:
        response = getattr(client, method)(path, headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 404, path
    assert "searchsvc_desk" not in str(client.get("/search?q=EGFR").headers)


def test_tokens_need_a_secret_key_and_length_and_are_never_echoed(make_app):
    with pytest.raises(ValueError, match="SEARCHSVC_SECRET_KEY"):
        make_app(SEARCHSVC_EDITOR_TOKENS=TOKEN)
    with pytest.raises(ValueError, match="SEARCHSVC_SECRET_KEY"):
        make_app(SEARCHSVC_EDITOR_TOKENS=TOKEN, SEARCHSVC_SECRET_KEY="short")
    with pytest.raises(ValueError, match=r"SEARCHSVC_EDITOR_TOKENS=\(the value is secret\).*at least 16 characters") as raised:
        make_app(SEARCHSVC_EDITOR_TOKENS=f"{TOKEN},tooshort", SEARCHSVC_SECRET_KEY=SECRET)
    assert "tooshort" not in str(raised.value)
    with pytest.raises(ValueError, match="SEARCHSVC_SIGNIN_RATE_LIMIT"):
        make_app(**DESK, SEARCHSVC_SIGNIN_RATE_LIMIT="often")


def test_only_hashes_of_the_tokens_are_kept(desk_app):
    import hashlib

    service = desk_app.extensions["searchsvc"]
    assert service["editor_digests"] == tuple(hashlib.sha256(t.encode()).hexdigest() for t in (TOKEN, OTHER))
    settings = {k: v for k, v in desk_app.config.items() if k != "SECRET_KEY"}  # Flask's own copy signs the cookie
    kept = repr(settings) + repr(service["desk_settings"])
    assert TOKEN not in kept and OTHER not in kept and SECRET not in kept
    assert desk_app.config["SEARCHSVC_EDITOR_TOKENS"] == "(2 configured)"


def test_an_anonymous_client_is_sent_to_sign_in_and_the_json_is_401(anon):
    page = anon.get("/desk")
    assert page.status_code == 302 and page.headers["Location"].startswith("/desk/signin?next=")
    for method, path in (("get", "/api/desk"), ("get", "/api/desk.csv"), ("post", "/api/related")):
        response = getattr(anon, method)(path, json={"text": "肺癌"} if method == "post" else None)
        assert response.status_code == 401, path
        assert response.json["error"]["code"] == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert anon.get("/desk/related").status_code == 302


def test_the_sign_in_form_is_chinese_has_a_csrf_token_and_no_token(anon):
    form = anon.get("/desk/signin")
    assert form.status_code == 200 and "编辑台登录" in form.text and 'type="password"' in form.text
    assert csrf_of(form.text)
    assert TOKEN not in form.text and OTHER not in form.text
    assert form.headers["Cache-Control"] == "no-store"


def test_the_right_token_sets_a_signed_httponly_strict_cookie_with_an_expiry(desk_app):
    client, response = signed_in_client(desk_app)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("searchsvc_desk=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP here; see the HTTPS test
    expires = re.search(r"Expires=([^;]+)", cookie).group(1)
    lifetime = time.mktime(time.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT")) - time.mktime(time.gmtime())
    assert 7 * 3600 < lifetime <= 8 * 3600 + 60
    assert TOKEN not in cookie
    desk = client.get("/desk")
    assert desk.status_code == 200 and "编辑台" in desk.text and TOKEN not in desk.text
    assert desk.headers["Cache-Control"] == "no-store"
    assert client.get("/api/desk").json["enabled"] is True


def test_the_cookie_is_secure_over_https_and_behind_a_trusted_proxy(desk_app, make_app):
    client = desk_app.test_client()
    form = client.get("/desk/signin", base_url="https://localhost")
    response = client.post("/desk/signin", base_url="https://localhost",
                           data={"token": TOKEN, "csrf_token": csrf_of(form.text)})
    assert response.status_code == 303 and "Secure" in response.headers["Set-Cookie"]
    proxied = make_app(**DESK, SEARCHSVC_TRUSTED_PROXIES=1).test_client()
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.4"}
    form = proxied.get("/desk/signin", headers=https)
    response = proxied.post("/desk/signin", headers=https, data={"token": TOKEN, "csrf_token": csrf_of(form.text)})
    assert response.status_code == 303 and "Secure" in response.headers["Set-Cookie"]


def test_a_wrong_token_is_401_and_appears_in_no_page_and_no_log(anon, caplog):
    form = anon.get("/desk/signin")
    typed = "wrong-token-" + TOKEN[:8] + "zzzz"
    with caplog.at_level(logging.DEBUG):
        response = anon.post("/desk/signin", data={"token": typed, "csrf_token": csrf_of(form.text)})
    assert response.status_code == 401
    assert "令牌不正确" in response.text
    assert typed not in response.text and TOKEN not in response.text
    assert "searchsvc_desk" not in response.headers.get("Set-Cookie", "") or "editor" not in response.headers.get("Set-Cookie", "")
    assert anon.get("/desk").status_code == 302
    assert "sign-in failed" in caplog.text and typed not in caplog.text and TOKEN not in caplog.text


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=0, max_size=40))
def test_no_other_text_is_an_editor_token(desk_app, guess):
    from searchsvc.web import editors

    with desk_app.test_request_context():
        assert (editors.match(guess) is not None) == (guess in (TOKEN, OTHER))
        assert editors.match(TOKEN) is not None and editors.match(OTHER) is not None
        assert editors.match(TOKEN + " ") is None and editors.match(TOKEN[:-1]) is None


def test_a_post_without_the_csrf_token_is_refused(desk_app):
    anon = desk_app.test_client()
    anon.get("/desk/signin")
    assert anon.post("/desk/signin", data={"token": TOKEN}).status_code == 400
    assert anon.post("/desk/signin", data={"token": TOKEN, "csrf_token": "forged"}).status_code == 400
    assert anon.get("/desk").status_code == 302  # still not signed in
    editor, _ = signed_in_client(desk_app)
    assert editor.post("/desk/signout").status_code == 400
    assert editor.post("/desk/related", data={"text": "奥希替尼耐药"}).status_code == 400
    assert editor.post("/api/related", json={"text": "奥希替尼耐药"}).status_code == 400
    assert editor.get("/desk").status_code == 200  # the refused sign-out did not sign out


def test_sign_out_with_the_csrf_token_ends_the_session(editor):
    token = csrf_of(editor.get("/desk").text)
    response = editor.post("/desk/signout", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/desk/signin"
    assert editor.get("/desk").status_code == 302
    assert editor.get("/api/desk").status_code == 401


def test_after_sign_out_a_copy_of_the_cookie_opens_nothing_in_any_worker(desk_app, make_app):
    editor, _ = signed_in_client(desk_app)
    copied = editor.get_cookie("searchsvc_desk").value
    thief = desk_app.test_client()
    thief.set_cookie("searchsvc_desk", copied)
    assert thief.get("/desk").status_code == 200  # the copy works while the session lasts
    assert editor.post("/desk/signout", data={"csrf_token": csrf_of(editor.get("/desk").text)}).status_code == 303
    assert thief.get("/desk").status_code == 302
    assert thief.get("/api/desk").status_code == 401
    # another worker of the same server (its own app, the shared state folder) refuses it too
    worker = make_app(**DESK, SEARCHSVC_STATE_DIR=str(desk_app.extensions["searchsvc"]["state_dir"])).test_client()
    worker.set_cookie("searchsvc_desk", copied)
    assert worker.get("/api/desk").status_code == 401
    again, _ = signed_in_client(desk_app)  # signing in again is a new session
    assert again.get("/api/desk").status_code == 200


def _cookie(app, **data) -> str:
    return app.session_interface.get_signing_serializer(app).dumps(data)


def test_the_cookie_names_its_token_by_nothing_a_guess_could_be_checked_against(desk_app):
    import hashlib

    client, _ = signed_in_client(desk_app)
    readable = desk_app.session_interface.get_signing_serializer(desk_app).loads(
        client.get_cookie("searchsvc_desk").value)  # signed, not encrypted: anyone holding it reads this
    token_digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    for value in map(str, readable.values()):
        assert value[:8] not in token_digest and TOKEN not in value


def _fingerprint(app, token: str) -> str:
    import hashlib
    import hmac

    token_digest = hashlib.sha256(token.encode()).hexdigest()
    return hmac.new(app.secret_key.encode(), token_digest.encode(), hashlib.sha256).hexdigest()[:32]


def test_an_expired_or_foreign_or_revoked_cookie_is_not_a_session(desk_app, make_app):
    fingerprint = _fingerprint(desk_app, TOKEN)
    client = desk_app.test_client()
    session = {"csrf": "x" * 20, "sid": "s" * 22}
    client.set_cookie("searchsvc_desk", _cookie(desk_app, editor=fingerprint, exp=time.time() - 1, **session))
    assert client.get("/desk").status_code == 302
    assert client.get("/api/desk").status_code == 401
    fresh = _cookie(desk_app, editor=fingerprint, exp=time.time() + 600, **session)
    client.set_cookie("searchsvc_desk", fresh)
    assert client.get("/desk").status_code == 200  # the same cookie, unexpired, is a session
    other_key = make_app(SEARCHSVC_EDITOR_TOKENS=TOKEN, SEARCHSVC_SECRET_KEY="another-key-" + "k" * 30)
    forged = _cookie(other_key, editor=fingerprint, exp=time.time() + 600, **session)
    client.set_cookie("searchsvc_desk", forged)
    assert client.get("/desk").status_code == 302
    revoked = make_app(SEARCHSVC_EDITOR_TOKENS=OTHER, SEARCHSVC_SECRET_KEY=SECRET).test_client()
    revoked.set_cookie("searchsvc_desk", fresh)  # signed with the same key, for a token no longer configured
    assert revoked.get("/desk").status_code == 302
    no_id = _cookie(desk_app, editor=fingerprint, exp=time.time() + 600, csrf="x" * 20)
    client.set_cookie("searchsvc_desk", no_id)  # a session that could not be signed out is none
    assert client.get("/desk").status_code == 302


def test_a_bearer_token_opens_the_json_without_a_cookie_or_csrf(anon):
    ok = anon.get("/api/desk", headers={"Authorization": f"Bearer {OTHER}"})
    assert ok.status_code == 200 and ok.json["enabled"] is True and "Set-Cookie" not in ok.headers
    assert anon.get("/api/desk", headers={"Authorization": "Bearer " + TOKEN[:-1]}).status_code == 401
    assert anon.get("/api/desk", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
    csv = anon.get("/api/desk.csv", headers={"Authorization": f"Bearer {TOKEN}"})
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
    assert csv.text.lstrip("\ufeff").startswith("section,group,query")


def test_sign_in_attempts_are_limited_per_client(make_app):
    app = make_app(**DESK, SEARCHSVC_SIGNIN_RATE_LIMIT="3/minute")
    client = app.test_client()
    token = csrf_of(client.get("/desk/signin").text)
    here = {"REMOTE_ADDR": "203.0.113.50"}
    statuses = [client.post("/desk/signin", data={"token": "x" * 20, "csrf_token": token}, environ_base=here).status_code
                for _ in range(3)]
    assert statuses == [401, 401, 401]
    refused = client.post("/desk/signin", data={"token": TOKEN, "csrf_token": token}, environ_base=here)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "登录尝试太频繁" in refused.text
    elsewhere = client.post("/desk/signin", data={"token": TOKEN, "csrf_token": token},
                            environ_base={"REMOTE_ADDR": "198.51.100.60"})
    assert elsewhere.status_code == 303


def test_wrong_bearer_tokens_are_limited_per_client_like_sign_in_attempts(make_app):
    app = make_app(**DESK, SEARCHSVC_SIGNIN_RATE_LIMIT="3/minute")
    app.extensions["searchsvc"]["attempt_limiter"][0].storage.clock = lambda: 1_800_000_000.0  # no window rolls
    client = app.test_client()
    here = {"REMOTE_ADDR": "203.0.113.51"}
    guesses = [client.get("/api/desk", headers={"Authorization": f"Bearer guess-{n:016d}"}, environ_base=here)
               for n in range(4)]
    assert [r.status_code for r in guesses] == [401, 401, 401, 429]
    assert int(guesses[-1].headers["Retry-After"]) >= 1 and guesses[-1].json["error"]["code"] == 429
    # once spent, even the right token is refused from there (a guess that hit would not be told)
    assert client.get("/api/desk", headers={"Authorization": f"Bearer {TOKEN}"}, environ_base=here).status_code == 429
    token = csrf_of(client.get("/desk/signin", environ_base=here).text)  # one budget with the sign-in form
    assert client.post("/desk/signin", data={"token": TOKEN, "csrf_token": token}, environ_base=here).status_code == 429
    elsewhere = {"REMOTE_ADDR": "198.51.100.61"}
    ok = [client.get("/api/desk", headers={"Authorization": f"Bearer {TOKEN}"}, environ_base=elsewhere)
          for _ in range(5)]
    assert [r.status_code for r in ok] == [200] * 5  # the right token costs nothing


def test_after_sign_in_only_desk_pages_are_a_destination(desk_app):
    client = desk_app.test_client()
    form = client.get("/desk/signin?next=/desk/related")
    assert 'name="next" value="/desk/related"' in form.text
    for target, expected in (("/desk/related", "/desk/related"), ("https://evil.example/desk", "/desk"),
                             ("//evil.example/desk", "/desk"), ("/search?q=x", "/desk"), ("/desk\\@evil", "/desk")):
        client = desk_app.test_client()
        token = csrf_of(client.get("/desk/signin").text)
        response = client.post("/desk/signin", data={"token": TOKEN, "csrf_token": token, "next": target})
        assert response.headers["Location"] == expected, target
