"""Search insights in a real Redis (``SEARCHSVC_INSIGHTS_STORAGE=redis://``): several machines, one desk.

Two apps with their own state folders stand for two machines writing into one Redis; the
desk of either, and ``searchsvc insights --storage``, read the sum.  When Redis goes away,
searches and beacons are answered as before and the lost records are counted; when it is
back, recording goes on and the loss is reported on the desk.
"""

from __future__ import annotations

import time

import pytest

from test_web_redis import RedisServer, redis_server  # noqa: F401  (the fixture)

pytestmark = pytest.mark.redis

TOKEN = "editor-token-4f7a9c2e81"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def machine(make_app, url: str):
    return make_app(SEARCHSVC_INSIGHTS_STORAGE=url, SEARCHSVC_EDITOR_TOKENS=TOKEN, SEARCHSVC_SECRET_KEY="k" * 40,
                    SEARCHSVC_INSIGHTS_MIN_COUNT=3, SEARCHSVC_INSIGHTS_FLUSH_SECONDS=3600)


def recorder(app):
    return app.extensions["searchsvc"]["insights"]


def test_two_machines_count_into_one_redis_and_the_cli_reads_it(make_app, redis_server, runner):
    one, two = machine(make_app, redis_server.url), machine(make_app, redis_server.url)
    assert one.extensions["searchsvc"]["state_dir"] != two.extensions["searchsvc"]["state_dir"]
    for app, times in ((one, 2), (two, 1)):
        for _ in range(times):
            assert app.test_client().get("/search?q=KRAS%20G12C").status_code == 200
        assert app.test_client().post("/api/insights/open", data={"q": "KRAS G12C", "position": "3",
                                                                  "source": "widget"}).status_code == 204
        assert recorder(app).flush() == times + 1
    report = two.test_client().get("/api/desk", headers=BEARER).json
    assert [(e["searches"], e["opens"]["widget"]) for e in report["top"]] == [(3, 2)]
    day = time.strftime("%Y-%m-%d", time.gmtime())
    import redis

    client = redis.Redis.from_url(redis_server.url)
    assert client.keys("searchsvc:insights:*") == [f"searchsvc:insights:{day}".encode()]
    assert 0 < client.ttl(f"searchsvc:insights:{day}") <= 91 * 86400
    done = runner.invoke(["insights", "--storage", redis_server.url, "--min-count", "3", "--format", "json"])
    assert done.exit_code == 0, done.output
    import json

    assert json.loads(done.output)["top"] == report["top"]


def test_redis_down_loses_insights_not_searches(make_app, tmp_path, caplog):
    redis = RedisServer(tmp_path / "redis").start()
    try:
        app = machine(make_app, redis.url)
        client = app.test_client()
        assert client.get("/search?q=EGFR").status_code == 200
        assert recorder(app).flush() == 1
        redis.stop()  # mid-run
        for q in ("KRAS G12C", "骨肉瘤", "EGFR"):
            response = client.get("/search", query_string={"q": q})
            assert response.status_code == 200 and q.split()[0] in response.text
        assert client.post("/api/insights/open", data={"q": "EGFR", "position": "1"}).status_code == 204
        assert recorder(app).flush() == 0
        assert recorder(app).failed == 4 and "insight store Redis" in caplog.text
        assert client.get("/api/desk", headers=BEARER).status_code == 503
        redis = RedisServer(tmp_path / "redis", port=redis.port).start()  # back, empty
        assert client.get("/search?q=EGFR").status_code == 200
        assert recorder(app).flush() == 1
        report = client.get("/api/desk", headers=BEARER).json
        assert report["failed"] == 4 and report["searches"] == 1
    finally:
        redis.stop()


def test_sign_in_attempts_are_counted_across_machines_in_redis(make_app, redis_server):
    import re

    one, two = (make_app(SEARCHSVC_RATE_LIMIT_STORAGE=redis_server.url, SEARCHSVC_EDITOR_TOKENS=TOKEN,
                         SEARCHSVC_SECRET_KEY="k" * 40, SEARCHSVC_SIGNIN_RATE_LIMIT="2/minute") for _ in range(2))
    here = {"REMOTE_ADDR": "203.0.113.9"}
    statuses = []
    for app in (one, two, one):
        client = app.test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/desk/signin").text).group(1)
        statuses.append(client.post("/desk/signin", data={"token": "w" * 20, "csrf_token": token},
                                    environ_base=here).status_code)
    assert statuses == [401, 401, 429]
