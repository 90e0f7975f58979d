"""A missing, empty, broken or unreadable index: a clear message everywhere, never a traceback.

For each state of the index folder: ``Searcher`` raises IndexUnavailable with a
reason naming the folder; the web app answers /healthz 503 with that reason,
/api/* 503 as JSON and pages 503 in HTML, with no traceback; ``searchsvc
search`` exits 1 with the reason; and the next ingest (--rebuild for a damaged
snapshot) brings the service back.  A real ``searchsvc serve`` starts on a broken
index, says so on /healthz, and recovers once an ingest publishes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from searchsvc.engine.index import IndexStore, IndexUnavailable
from searchsvc.ingest.pipeline import ingest
from searchsvc.engine.search import Searcher

from conftest import ROOT, SAMPLES
from test_web_support import Server


def _snapshot(root: Path) -> Path:
    return root / os.readlink(root / "current")


def _unlink_all(paths) -> None:
    for path in paths:
        path.unlink()


def _truncate_all(paths) -> None:
    for path in paths:
        path.write_bytes(path.read_bytes()[:100])


def _replace_current(root: Path, make) -> None:
    (root / "current").unlink()
    make(root / "current")


# name -> (damage done to a good index folder, phrase the reason must contain, needs --rebuild to recover)
STATES = {
    "missing folder": (lambda r: shutil.rmtree(r), "the folder does not exist", False),
    "empty folder": (lambda r: [shutil.rmtree(r), r.mkdir()], "nothing has been published yet", False),
    "a file, not a folder": (lambda r: [shutil.rmtree(r), r.write_text("x")], "not a folder", None),
    "current points at a deleted snapshot": (lambda r: shutil.rmtree(_snapshot(r)), "is missing", False),
    "current is a plain file": (lambda r: _replace_current(r, lambda p: p.write_text("snapshots/x")),
                                "is not a link to a snapshot", False),
    "current is a folder": (lambda r: _replace_current(r, lambda p: p.mkdir()), "is not a link to a snapshot", None),
    "current links to itself": (lambda r: _replace_current(r, lambda p: os.symlink("current", p)), "is missing", False),
    "table of contents deleted": (lambda r: _unlink_all(_snapshot(r).glob("*.toc")), "cannot be opened", True),
    "table of contents is garbage": (lambda r: [p.write_bytes(b"\x00garbage" * 9) for p in _snapshot(r).glob("*.toc")],
                                     "is unreadable", True),
    "segment file deleted": (lambda r: _unlink_all(_snapshot(r).glob("*.pst")), "No such file or directory", True),
    "segment file truncated": (lambda r: _truncate_all(_snapshot(r).glob("*.pst")), "is unreadable", True),
    "segment file is a folder": (lambda r: [(p.unlink(), p.mkdir()) for p in _snapshot(r).glob("*.pst")],
                                 "Is a directory", True),
}


@pytest.fixture(scope="module")
def good_index(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("good") / "index"
    assert ingest([SAMPLES], IndexStore(root)).failed == 0
    return root


def damaged(good_index: Path, tmp_path: Path, name: str) -> Path:
    root = tmp_path / "index"
    shutil.copytree(good_index, root, symlinks=True)
    STATES[name][0](root)
    return root


@pytest.mark.parametrize("name", list(STATES))
def test_a_clear_503_on_every_route_and_no_traceback(make_app, good_index, tmp_path, name):
    root = damaged(good_index, tmp_path, name)
    phrase = STATES[name][1]
    with pytest.raises(IndexUnavailable) as caught:
        Searcher(IndexStore(root)).search("KRAS")
    assert str(root) in str(caught.value) and phrase in str(caught.value), str(caught.value)

    client = make_app(IndexStore(root)).test_client()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.mimetype == "application/json"
    body = health.get_json()
    assert body["status"] == "unavailable" and body["index_version"] is None
    assert phrase in body["reason"] and str(root) in body["reason"]
    assert health.headers["Retry-After"]
    for path in ("/api/search?q=KRAS", "/api/articles", "/api/suggest?q=K", "/api/articles/abc"):
        response = client.get(path)
        assert response.status_code == 503 and response.mimetype == "application/json", path
        error = response.get_json()["error"]
        assert error["code"] == 503 and phrase in error["message"], (path, error)
    for path in ("/", "/search?q=KRAS", "/articles/abc", "/tags/x", "/experts/x"):
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 503 and response.mimetype == "text/html", path
        assert "搜索服务暂不可用" in page and "Traceback" not in page and 'File "' not in page


@pytest.mark.parametrize("name", list(STATES))
def test_the_command_line_says_why_and_the_next_ingest_recovers(make_app, good_index, tmp_path, name):
    root = damaged(good_index, tmp_path, name)
    _, phrase, rebuild = STATES[name]
    run = subprocess.run([sys.executable, "-m", "searchsvc.cli", "search", "KRAS", "--index", str(root)],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert "Traceback" not in run.stderr
    if name == "a file, not a folder":  # click checks --index itself: a usage error
        assert run.returncode == 2 and f"Invalid value for '--index': Directory '{root}' is a file." in run.stderr
    else:
        assert run.returncode == 1 and run.stderr.startswith("Error: ") and phrase in run.stderr, run.stderr
    if rebuild is None:  # the folder itself is in the way: the operator has to move it
        return
    store = IndexStore(root)
    report = ingest([SAMPLES], store, rebuild=rebuild)
    assert report.failed == 0 and report.version == store.version()
    result = Searcher(store).search("KRAS G12C")
    assert result.total >= 1 and result.hits[0].title.startswith("林晓舟教授")
    assert make_app(store).test_client().get("/healthz").status_code == 200


def _without_root_privileges(code: str) -> subprocess.CompletedProcess:
    """Run Python without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH: file permissions apply even to root."""
    command = [sys.executable, "-c", code]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root and setpriv (util-linux) is missing: cannot make a file unreadable")
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search",
                   "--inh-caps=-dac_override,-dac_read_search", "--", *command]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=60)


HEALTH = """
import json, sys
from searchsvc.web import create_app
client = create_app({"SEARCHSVC_INDEX": sys.argv[1] if len(sys.argv) > 1 else %r}).test_client()
response = client.get("/healthz")
print(json.dumps([response.status_code, response.get_json()]))
"""


@pytest.mark.parametrize("what", ["the folder", "a segment file"])
def test_an_index_this_process_may_not_read_is_a_503_with_the_reason(good_index, tmp_path, what):
    root = tmp_path / "index"
    shutil.copytree(good_index, root, symlinks=True)
    tmp_path.chmod(0o755)
    target = root if what == "the folder" else next(_snapshot(root).glob("*.pst"))
    target.chmod(0o000)
    try:
        run = _without_root_privileges(HEALTH % str(root))
    finally:
        target.chmod(0o755)
    assert run.returncode == 0, run.stderr[-2000:]
    status, body = json.loads(run.stdout.strip().splitlines()[-1])
    assert status == 503 and str(root) in body["reason"]
    assert ("not a folder this process can read" if what == "the folder" else "Permission denied") in body["reason"]


@pytest.mark.slow
def test_a_real_server_starts_on_a_broken_index_says_why_and_recovers(good_index, tmp_path):
    root = damaged(good_index, tmp_path, "segment file truncated")
    server = Server(root)
    try:
        server.wait_ready()
        status, headers, body = server.get("/healthz")
        assert status == 503 and "is unreadable" in json.loads(body)["reason"]
        status, headers, body = server.get("/search?q=KRAS")
        assert status == 503 and headers["Content-Type"].startswith("text/html")
        assert "搜索服务暂不可用" in body.decode() and "Traceback" not in body.decode()
        status, _, body = server.get("/api/search?q=KRAS")
        assert status == 503 and json.loads(body)["error"]["code"] == 503

        store = IndexStore(root)
        ingest([SAMPLES], store, rebuild=True)
        # published before these requests were sent: every worker reopens on its next request
        assert {server.get("/healthz")[0] for _ in range(6)} == {200}
        status, _, body = server.get("/healthz")
        assert json.loads(body)["index_version"] == store.version()
        status, _, body = server.get("/api/search?q=KRAS")
        assert status == 200 and json.loads(body)["total"] >= 1
    finally:
        server.stop()
    assert "Traceback" not in server.log.read_text()


def test_an_index_from_an_earlier_release_is_refused_with_the_reason_until_rebuilt(tmp_path):
    """A snapshot written before question and answer were fields (one 'body' field) cannot be searched by
    this release: search and the service say so, an update refuses to add to it, --rebuild replaces it."""
    from whoosh import index as whoosh_index
    from whoosh.fields import ID, STORED, TEXT, Schema

    store = IndexStore(tmp_path / "index")
    build = store.tmp / "earlier"
    build.mkdir(parents=True)
    earlier = whoosh_index.create_in(str(build), Schema(id=ID(stored=True, unique=True), title=TEXT, body=TEXT,
                                                        meta=TEXT, article=STORED))
    with earlier.writer() as writer:
        writer.add_document(id="a", title="KRAS", body="KRAS G12C", meta="", article="{}")
    store.publish(build)

    with pytest.raises(IndexUnavailable, match=r"earlier release: it has no .*question.*--rebuild"):
        Searcher(store).search("KRAS")
    with pytest.raises(IndexUnavailable, match="an update cannot add to it"):
        ingest([SAMPLES], store)
    cli = subprocess.run([sys.executable, "-m", "searchsvc.cli", "ingest", str(SAMPLES), "--index", str(store.root)],
                         capture_output=True, text=True)
    assert cli.returncode == 2 and "--rebuild" in cli.stderr and "Traceback" not in cli.stderr

    report = ingest([SAMPLES], store, rebuild=True)
    assert report.failed == 0 and Searcher(store).search("KRAS").total >= 1
