"""Fixtures shared by every test. Each test gets its own cache folder and no LLMCAT_* env."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep tests away from the user's cache, catalogs and tokens."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("LLMCAT_CACHE_DIR", str(cache))
    for name in ("LLMCAT_CATALOG", "LLMCAT_NO_CACHE", "HF_TOKEN", "HF_ENDPOINT", "GITHUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    return cache


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def catalog_copy(tmp_path: Path):
    """Copy a catalog from tests/data/ into a temp folder, so a test may change it."""

    def make(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(DATA / name, target)
        return target

    return make
