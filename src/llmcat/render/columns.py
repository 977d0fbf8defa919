"""The columns of the model listing, and one card's cells in it."""

from __future__ import annotations

from typing import Any

from llmcat.describe import context_text, sizes_text
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


def list_row(data: dict[str, Any]) -> dict[str, str]:
    return {
        "id": data["id"],
        "name": data["name"],
        "organization": data["organization"],
        "sizes": sizes_text(data),
        "released": data["released"],
        "context": context_text(data),
        "languages": ", ".join(data.get("languages", [])),
        "license": data.get("license") or "",
    }
