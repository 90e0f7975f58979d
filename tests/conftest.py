"""Shared fixtures: a published index of the sample corpus, built once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from searchsvc.index import IndexStore
from searchsvc.ingest import ingest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


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
