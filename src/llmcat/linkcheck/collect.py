"""Which URLs a catalog holds, where, and which of them a run should check."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from llmcat.catalog import Card, Catalog
from llmcat.linkcheck.model import LinkKind, Target, Use
from llmcat.linkcheck.urls import HF_WEB, kind_of
from llmcat.tomlpos import KeyIndex, KeyPath


def card_links(card: Card) -> Iterator[tuple[str, KeyPath]]:
    """Every URL in one card, with the key path that holds it."""
    data = card.data
    for key, urls in (data.get("links") or {}).items():
        for index, url in enumerate(urls or []):
            yield url, ("links", key, index)
    for index, url in enumerate(data.get("sources") or []):
        yield url, ("sources", index)
    for index, score in enumerate(data.get("scores") or []):
        if score.get("source"):
            yield score["source"], ("scores", index, "source")
    for index, variant in enumerate(data.get("variants") or []):
        if variant.get("huggingface"):
            yield f"{HF_WEB}/{variant['huggingface']}", ("variants", index, "huggingface")
    if card.kind == "benchmarks" and data.get("dataset"):
        yield f"{HF_WEB}/datasets/{data['dataset']}", ("dataset",)
    if data.get("url"):
        yield data["url"], ("url",)


def field_name(path: KeyPath) -> str:
    """`("links", "arxiv", 0)` -> `links.arxiv[0]`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _key_index(card: Card) -> KeyIndex | None:
    try:
        return KeyIndex(Path(card.path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        return None


def _line(index: KeyIndex | None, data: dict[str, Any], path: KeyPath) -> int | None:
    if index is None:
        return None
    # A link given as one string (not a list) is recorded at its key, without an index.
    return index.line(path)


def collect_targets(catalog: Catalog) -> list[Target]:
    """Each unique URL once, in catalog order, with every card and field that uses it."""
    uses: dict[str, list[Use]] = {}
    for card in catalog.cards:
        index = _key_index(card)
        for url, path in card_links(card):
            use = Use(card.id, card.path, field_name(path), _line(index, card.data, path))
            uses.setdefault(url, [])
            if use not in uses[url]:
                uses[url].append(use)
    return [Target(url, kind_of(url), tuple(found)) for url, found in uses.items()]


def select_targets(
    targets: Iterable[Target],
    only: Iterable[LinkKind] = (),
    exclude: Iterable[re.Pattern[str]] = (),
) -> list[Target]:
    """`--only KIND` (any of them) and `--exclude REGEX` (searched in the URL)."""
    kinds = set(only)
    patterns = list(exclude)
    return [
        target
        for target in targets
        if (not kinds or target.kind in kinds)
        and not any(pattern.search(target.url) for pattern in patterns)
    ]
