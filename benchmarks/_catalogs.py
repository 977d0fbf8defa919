"""Generated catalogs for the benchmarks: N copies of real cards under new ids."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

BUNDLED = Path(__file__).resolve().parents[1] / "catalog"


def generate_catalog(root: Path, count: int) -> Path:
    """Write `count` model cards (copies of the bundled ones with fresh ids) under `root`."""
    templates = sorted((BUNDLED / "models").glob("*.toml"))
    # Copies keep only model cards without cross-references, so every copy stands alone.
    texts = [
        t.read_text(encoding="utf-8")
        for t in templates
        if "base_model" not in t.read_text(encoding="utf-8")
        and "[[scores]]" not in t.read_text(encoding="utf-8")
    ] or [t.read_text(encoding="utf-8") for t in templates]
    models = root / "models"
    models.mkdir(parents=True, exist_ok=True)
    past = time.time() - 3600  # older than the cache's "racy" window
    for i in range(count):
        text = texts[i % len(texts)]
        card_id = f"model{i:05d}"
        text = re.sub(r'^id = ".*"$', f'id = "{card_id}"', text, count=1, flags=re.M)
        text = re.sub(r"^aliases = \[.*?\]\n", "", text, flags=re.M | re.S)
        path = models / f"{card_id}.toml"
        path.write_text(text, encoding="utf-8")
        os.utime(path, (past, past))
    return root
