"""Shared fixtures, as in Flask's tutorial: ``app``, ``client`` and ``runner``, over the sample index.

- ``sample_index``: the samples/ corpus, ingested once per session (read-only).
- ``make_app(store=None, **settings)``: ``create_app`` over the sample index (or ``store``)
  with settings; every app gets its own state folder, so rate-limit counters and cached
  results never leak from one test into another.
- ``app`` / ``client``: the default app over the sample index, and its test client.
- ``runner``: invokes the ``searchsvc`` command line in-process (click's CliRunner).
- ``fresh_store`` / ``corpus``: an empty index folder, a writable copy of samples/.
- ``clock``: the clock deadlines are set and checked by (``searchsvc.results.clock``), under the
  test's control: frozen (time never runs out) or stepping a fixed amount at every reading.
- ``frozen_rate_clock(app)``: the rate-limit counters' clock of an app, frozen: no window rolls over.
- ``api``: ``searchsvc serve`` (gunicorn) over the sample index, its URL (browser tests).
- ``browser``: a headless Chromium for the browser tests.

Generated tests (hypothesis) draw new examples on every local run; under CI (``CI`` set) they
draw the same ones every time, so that main's result does not depend on the draw.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

from searchsvc.cli import main as searchsvc_main
from searchsvc.engine.index import IndexStore
from searchsvc.ingest.pipeline import ingest
from searchsvc.web import create_app

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"

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
def tmpfs(tmp_path):
    """``tmpfs(megabytes)``: a folder on a small tmpfs, a real filesystem that fills up (root only; the
    test is skipped elsewhere), unmounted when the test ends."""
    import subprocess
    mounted: list[Path] = []

    def mount(megabytes: int) -> Path:
        if os.geteuid() != 0:
            pytest.skip("mounting a small tmpfs needs root")
        mountpoint = tmp_path / f"disk-{len(mounted)}"
        mountpoint.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(mountpoint)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(mountpoint)
        return mountpoint

    yield mount
    for mountpoint in mounted:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


@pytest.fixture
def runner():
    """``runner.invoke(["search", "KRAS", "--index", ...])`` runs ``searchsvc`` in-process."""

    class SearchsvcRunner(CliRunner):
        def invoke(self, args=None, **kwargs):
            return super().invoke(searchsvc_main, args, **kwargs)

    return SearchsvcRunner()


# -- clocks under the test's control: assert the event, never a duration -----------------------

class ManualClock:
    """Stands in for ``searchsvc.results.clock``: reads ``now``, then moves it on by ``step``.

    ``step = 0`` freezes time (a deadline never passes, however slow the machine); a positive
    step makes every reading later than the last, so a budget of N steps runs out at the N-th
    reading, by construction.  ``advance(seconds)`` moves it at a moment the test chooses.
    """

    def __init__(self, now: float = 1_000.0, step: float = 0.0):
        self.now, self.step, self.readings = now, step, 0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            self.readings += 1
            now, self.now = self.now, self.now + self.step
            return now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> ManualClock:
    """The deadline clock (the web guard's and the search's), frozen until the test moves it."""
    import searchsvc.results

    manual = ManualClock()
    monkeypatch.setattr(searchsvc.results, "clock", manual)
    return manual


def frozen_rate_clock(app, now: float = 1_800_000_000.0) -> None:
    """Freeze the clock an app's rate-limit counters use (the embedded store): every hit is counted
    at the same instant, so no window rolls over during a test, however long it takes."""
    app.extensions["searchsvc"]["limiter"].storage.clock = lambda: now


# -- a real server and a real browser (the browser tests: test_widget_browser.py, test_browser_readers.py) --

@pytest.fixture(scope="module")
def api(sample_index):
    """``searchsvc serve`` (gunicorn, one worker, 4 threads) over the sample index, ready; its base URL."""
    from test_web_support import Server

    server = Server(sample_index.root, workers=1, threads=4)
    server.wait_ready()
    yield server.base
    server.stop()


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
