"""The columns of the model listing, and one card's cells in it."""

from __future__ import annotations

from typing import Any

from llmcat.render.formats import Column

LIST_COLUMNS = (
    Column("id", "ID", wrap=False),
    Column("name", "Name"),
    Column("organization", "Organization", drop=2),
    Column("sizes", "Sizes"),
    Column("released", "Released", wrap=False),
    Column("context", "Context", justify="right", drop=3),
    Column("languages", "Languages", drop=4),
    Column("license", "License", max_width=28, drop=5),
)


REFERENCE_COLUMNS = (
    Column("id", "ID", wrap=False),
    Column("kind", "Kind", wrap=False),
    Column("name", "Name"),
    Column("full_name", "Full name / owner", drop=2),
    Column("measures", "Metric / method", max_width=40, drop=3),
    Column("link", "Paper / URL", drop=4),
)


def reference_row(kind: str, data: dict[str, Any]) -> dict[str, str]:
    """A benchmark, leaderboard or resource card as one row."""
    links = data.get("links") or {}
    first = (links.get("arxiv") or links.get("paper") or [data.get("url") or ""])[0]
    return {
        "id": data["id"],
        "kind": kind.rstrip("s"),
        "name": data["name"],
        "full_name": data.get("full_name") or data.get("owner") or "",
        "measures": data.get("metric") or data.get("method") or "",
        "link": first or (links.get("homepage") or links.get("github") or [""])[0],
    }
