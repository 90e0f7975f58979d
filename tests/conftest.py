"""Shared fixtures, as in Flask's tutorial: ``app``, ``client`` and ``runner``, over the sample index.

- ``sample_index``: the samples/ corpus, ingested once per session (read-only).
- ``make_app(store=None, **settings)``: ``create_app`` over the sample index (or ``store``)
  with settings; every app gets its own state folder, so rate-limit counters and cached
  results never leak from one test into another.
- ``app`` / ``client``: the default app over the sample index, and its test client.
- ``runner``: invokes the ``searchsvc`` command line in-process (click's CliRunner).
- ``fresh_store`` / ``corpus``: an empty index folder, a writable copy of samples/.
- ``browser``: a headless Chromium for the browser tests.

Generated tests (hypothesis) draw new examples on every local run; under CI (``CI`` set) they
draw the same ones every time, so that main's result does not depend on the draw.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

from searchsvc.cli import main as searchsvc_main
from searchsvc.index import IndexStore
from searchsvc.ingest import ingest
from searchsvc.web import create_app

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory) -> IndexStore:
    """The samples/ corpus ingested into a fresh index (read-only: do not ingest into it)."""
    store = IndexStore(tmp_path_factory.mktemp("sample-index"))
    report = ingest([SAMPLES], store)
    assert report.failed == 0, [f.reason for f in report.failures]
    return store


@pytest.fixture
def fresh_store(tmp_path) -> IndexStore:
    """An empty index folder for tests that ingest."""
    return IndexStore(tmp_path / "index")


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A private, writable copy of samples/ for tests that change files."""
    target = tmp_path / "corpus"
    shutil.copytree(SAMPLES, target)
    return target


@pytest.fixture(scope="session")
def make_app(sample_index, tmp_path_factory):
    """Build an app: ``make_app(store=None, **settings)``; settings override the environment."""

    def make(store: IndexStore | None = None, **settings):
        state = tmp_path_factory.mktemp("state")
        app = create_app({"SEARCHSVC_INDEX": str((store or sample_index).root), "SEARCHSVC_STATE_DIR": str(state),
                          **settings})
        app.testing = True
        return app

    return make


@pytest.fixture
def app(make_app):
    """The service over the sample index, with the default settings."""
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner():
    """``runner.invoke(["search", "KRAS", "--index", ...])`` runs ``searchsvc`` in-process."""

    class SearchsvcRunner(CliRunner):
        def invoke(self, args=None, **kwargs):
            return super().invoke(searchsvc_main, args, **kwargs)

    return SearchsvcRunner()


# -- a real browser (the browser tests: test_widget_browser.py, test_browser_readers.py) ---------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"  # Debian's package
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium driven by Playwright, shared by a test module's pages."""
    playwright_sync = pytest.importorskip("playwright.sync_api")
    with playwright_sync.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
