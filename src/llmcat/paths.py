"""Where llmcat finds its bundled catalog and keeps its cache."""

from __future__ import annotations

import os
import sys
from pathlib import Path

CATALOG_ENV = "LLMCAT_CATALOG"
CACHE_ENV = "LLMCAT_CACHE_DIR"
NO_CACHE_ENV = "LLMCAT_NO_CACHE"


def bundled_catalog() -> Path:
    """The catalog that ships inside the wheel, or the source tree's `catalog/`."""
    inside = Path(__file__).parent / "catalog"
    if inside.is_dir():
        return inside
    return Path(__file__).resolve().parents[2] / "catalog"


def cache_dir() -> Path:
    """The user cache directory (`LLMCAT_CACHE_DIR` overrides it)."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "llmcat" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "llmcat"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "llmcat"


def catalog_roots(
    given: list[Path] | None, *, with_bundled: bool = False, env: str | None = None
) -> list[Path]:
    """`--catalog` wins, then `LLMCAT_CATALOG` (os.pathsep-separated), then the bundled one."""
    roots = list(given or [])
    if not roots:
        env = os.environ.get(CATALOG_ENV) if env is None else env
        roots = [Path(p) for p in (env or "").split(os.pathsep) if p.strip()]
    if not roots:
        return [bundled_catalog()]
    if with_bundled:
        roots.append(bundled_catalog())
    return roots
