"""The service as an operator installs it: a built wheel, in a fresh venv outside the checkout.

The wheel is built from a copy of the package's sources, its dependencies come from
pip's cache (``pip wheel``), and the venv installs everything with ``--no-index`` from
that folder, so nothing of the checkout (nor its editable install) is on the path.  The
venv's own ``searchsvc`` ingests the samples and serves them under gunicorn on a
loopback port; every route of the app is fetched (pages, their JSON twins, Atom feeds),
with its error pages and assets.

Then a release is simulated the way one lands on a server: a module (and then the
lexicon) of the installed package is changed and the service restarted; every ETag
must change, so browsers and proxy caches do not keep answers the old code made.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import ROOT, SAMPLES
from test_web_support import Server

pytestmark = pytest.mark.slow

SOURCES = ("searchsvc", "pyproject.toml", "README.md", "constraints.txt", "templates")


def run(command: list, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, f"{command}: {done.stdout[-2000:]}{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv, its site-packages searchsvc folder, an index its own searchsvc built)."""
    root = tmp_path_factory.mktemp("deploy")
    source = root / "source"
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, source / name)
    wheels = root / "wheels"
    # our wheel and every dependency's (from pip's cache when it has them)
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "-c", source / "constraints.txt", "-w", wheels, source],
        cwd=root)
    built = sorted(wheels.glob("searchsvc-*.whl"))
    assert len(built) == 1, built
    venv = root / "venv"
    run([sys.executable, "-m", "venv", venv], cwd=root)
    run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-index", "--find-links", wheels, built[0]],
        cwd=root)
    where = run([venv / "bin" / "python", "-c", "import searchsvc, sys; print(searchsvc.__file__)"],
                cwd=root, env=clean_env()).stdout.strip()
    package = Path(where).parent
    assert package.is_relative_to(venv) and not package.is_relative_to(ROOT), package
    index = root / "index"
    run([venv / "bin" / "searchsvc", "ingest", SAMPLES, "--index", index, "--no-progress"], cwd=root, env=clean_env())
    return {"root": root, "venv": venv, "package": package, "index": index}


def clean_env() -> dict:
    """The environment without anything that would put the checkout on the path."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}


EDITOR_TOKEN = "wheel-test-editor-token"


def serve(installed) -> Server:
    server = Server(installed["index"], workers=2, command=[str(installed["venv"] / "bin" / "searchsvc")],
                    # Server adds os.environ: an empty PYTHONPATH keeps a checkout on it (the rule for running
                    # tests, PYTHONPATH=$PWD) from shadowing the installed package
                    cwd=installed["root"], env={**clean_env(), "PYTHONPATH": "", "SEARCHSVC_RATE_LIMIT": "off",
                         "SEARCHSVC_EDITOR_TOKENS": EDITOR_TOKEN, "SEARCHSVC_SECRET_KEY": "wheel-test-" + "k" * 32})
    server.wait_ready()
    return server


def every_route(server) -> dict[str, tuple[int, str]]:
    """path -> (status, content type) expected, for every route of the app and its error pages."""
    status, _, body = server.get("/api/search?q=" + quote("奥希替尼"))
    hit = json.loads(body)["hits"][0]
    article, expert, tag = hit["id"], quote(hit["experts"][0]), quote(hit["tags"][0])
    return {
        "/": (200, "text/html"),
        "/search?q=" + quote("KRAS G12C"): (200, "text/html"),
        f"/articles/{article}?q=" + quote("奥希替尼"): (200, "text/html"),
        f"/experts/{expert}": (200, "text/html"),
        f"/tags/{tag}": (200, "text/html"),
        "/embed": (200, "text/html"),
        "/favicon.ico": (200, "image/svg+xml"),
        "/search.atom?q=" + quote("免疫治疗"): (200, "application/atom+xml"),
        f"/tags/{tag}.atom": (200, "application/atom+xml"),
        f"/experts/{expert}.atom": (200, "application/atom+xml"),
        "/api/search?q=KRAS": (200, "application/json"),
        "/api/articles": (200, "application/json"),
        f"/api/articles/{article}": (200, "application/json"),
        f"/api/articles/{article}/related": (200, "application/json"),
        "/api/suggest?q=" + quote("林"): (200, "application/json"),
        "/api/openapi.json": (200, "application/json"),
        "/healthz": (200, "application/json"),
        "/metrics": (200, "text/plain"),  # the test's requests come from loopback
        # the desk: anonymous GETs are sent to the sign-in page (urllib follows), its JSON is 401
        "/desk/signin": (200, "text/html"),
        "/desk": (200, "text/html"),
        "/desk/related": (200, "text/html"),
        "/api/desk": (401, "application/json"),
        "/api/desk.csv": (401, "application/json"),
        "/widget.js": (200, "text/javascript"),
        "/static/style.css": (200, "text/css"),
        "/static/app.js": (200, "text/javascript"),
        # error pages: each is a template of its own path through the code
        "/articles/000000000000": (404, "text/html"),
        "/no/such/page": (404, "text/html"),
        "/search?per_page=999": (400, "text/html"),
        "/api/articles/000000000000": (404, "application/json"),
        "/api/search?page=0": (400, "application/json"),
        "/tags/" + quote("无此标签") + ".atom": (404, "text/html"),
    }


def test_every_route_of_the_app_is_fetched_here(app):
    """A new route must be added to every_route, so that the wheel test fetches it."""
    covered = {"/", "/search", "/articles/<article_id>", "/experts/<path:name>", "/tags/<path:tag>", "/embed",
               "/favicon.ico", "/search.atom", "/tags/<path:tag>.atom", "/experts/<path:name>.atom",
               "/api/search", "/api/articles", "/api/articles/<article_id>", "/api/articles/<article_id>/related",
               "/api/suggest", "/api/openapi.json", "/healthz", "/metrics", "/widget.js", "/static/<path:filename>",
               "/desk", "/desk/signin", "/desk/related", "/api/desk", "/api/desk.csv"}
    # POST only (the beacons, sign-out, related for a draft): tests/test_desk_*.py post to them
    posts = {"/api/insights/open", "/api/insights/search", "/api/related", "/desk/signout"}
    assert {rule.rule for rule in app.url_map.iter_rules()} == covered | posts
    assert all(rule.methods - {"POST", "OPTIONS"} == set() for rule in app.url_map.iter_rules() if rule.rule in posts)


def test_a_wheel_installed_outside_the_checkout_serves_every_page_error_page_and_asset(installed):
    shipped = {p.relative_to(installed["package"]).as_posix() for p in installed["package"].rglob("*") if p.is_file()}
    for needed in ("templates/base.html", "templates/error.html", "static/style.css", "static/widget.js",
                   "analysis/lexicon/synonyms.tsv"):
        assert needed in shipped, needed
    server = serve(installed)
    try:
        for path, (status, content_type) in every_route(server).items():
            code, headers, body = server.get(path)
            assert code == status, (path, code, body[:300])
            assert headers["Content-Type"].split(";")[0] == content_type, (path, headers["Content-Type"])
            if content_type == "application/atom+xml":
                assert body.startswith(b"<?xml") and b"<feed" in body, path
            if content_type == "text/html":
                page = body.decode("utf-8")
                assert page.startswith("<!doctype html>") and "</html>" in page, path
                assert "TemplateNotFound" not in page
        page = server.get("/search?q=" + quote("KRAS G12C"))[2].decode()
        assert "<mark>KRAS" in page and 'href="/static/style.css' in page
        assert "TemplateNotFound" not in server.log_text() and "Traceback" not in server.log_text()
    finally:
        server.stop()


HOST = {"Host": "search.example.org"}  # the same on every restart (each server gets a new port)


def etags(server, paths) -> dict[str, str]:
    out = {}
    for path in paths:
        code, headers, _ = server.get(path, HOST)
        assert code == 200, path
        out[path] = headers["ETag"]
    return out


def test_a_release_that_changes_a_module_or_the_lexicon_changes_every_etag(installed):
    paths = ["/search?q=" + quote("免疫治疗"), "/api/search?q=KRAS", "/api/articles", "/api/openapi.json"]
    server = serve(installed)
    try:
        before = etags(server, paths)
    finally:
        server.stop()
    server = serve(installed)  # a restart alone changes nothing
    try:
        assert etags(server, paths) == before
    finally:
        server.stop()

    module = installed["package"] / "engine" / "search.py"  # a module the web layer never imports by name for its ETags
    module.write_text(module.read_text("utf-8") + "\n# release 2: a change to search\n", "utf-8")
    server = serve(installed)
    try:
        after_code = etags(server, paths)
        for path in paths:  # a client holding the old ETag gets the new answer, not a 304
            assert server.get(path, {**HOST, "If-None-Match": before[path]})[0] == 200, path
    finally:
        server.stop()
    assert all(after_code[p] != before[p] for p in paths), (before, after_code)

    lexicon = installed["package"] / "analysis" / "lexicon" / "synonyms.tsv"
    lexicon.write_text(lexicon.read_text("utf-8") + "# release 3: an edit to the lexicon\n", "utf-8")
    server = serve(installed)
    try:
        after_lexicon = etags(server, paths)
    finally:
        server.stop()
    assert all(after_lexicon[p] not in (before[p], after_code[p]) for p in paths), (after_code, after_lexicon)
    assert all(re.fullmatch(r'W/"[0-9a-f]{24}"', tag) for tag in after_lexicon.values())
