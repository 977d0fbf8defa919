"""Rendering one card (`show`) and a comparison (`compare`) for people, with Rich."""

from __future__ import annotations

from typing import Any, TextIO

from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from llmcat.catalog import Card
from llmcat.compare import Comparison
from llmcat.describe import context_text, sizes_text, tokens_text
from llmcat.query import Lineage
from llmcat.render.console import cell, make_console, plain
from llmcat.units import format_context, format_count

_LABEL = "bold cyan"


def _facts(pairs: list[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style=_LABEL, no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in pairs:
        if value:
            table.add_row(Text(label), plain(value))
    return table


def _bullets(title: str, items: list[str]) -> list[RenderableType]:
    if not items:
        return []
    body = Table.grid(padding=(0, 1))
    body.add_column(no_wrap=True)
    body.add_column(overflow="fold")
    for item in items:
        body.add_row(" •", plain(item))
    return [Text(title, style=_LABEL), body]


def _table(headers: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> Table:
    table = Table(header_style="bold", show_edge=True, pad_edge=False)
    for i, header in enumerate(headers):
        table.add_column(header, justify="right" if i in right else "left", overflow="fold")
    for row in rows:
        table.add_row(*(cell(value) for value in row))
    return table


def _links(data: dict[str, Any]) -> list[RenderableType]:
    links = data.get("links") or {}
    pairs = [(field, "\n".join(urls)) for field, urls in links.items() if urls]
    return [Text("Links", style=_LABEL), _facts(pairs)] if pairs else []


def model_view(card: Card, family: Lineage) -> Group:
    d = card.data
    parts: list[RenderableType] = [
        Rule(plain(f"{d['name']} ({card.id})"), style="cyan"),
        plain(d["summary"]),
        Text(""),
        _facts(
            [
                ("Organization", d["organization"]),
                ("Released", d["released"]),
                ("Family", d.get("family") or ""),
                ("Modality", d.get("modality", "text")),
                ("Sizes", sizes_text(d)),
                ("Context", context_text(d)),
                ("Pretraining tokens", tokens_text(d)),
                ("Languages", ", ".join(d.get("languages", []))),
                ("License", d.get("license") or ""),
                ("Aliases", ", ".join(d.get("aliases", []))),
                ("Based on", " → ".join(c.id for c in family.ancestors)),
                ("Used by", ", ".join(c.id for c in family.descendants)),
                ("Scores for", ", ".join(sorted({s["benchmark"] for s in d.get("scores", [])}))),
                ("File", card.path),
            ]
        ),
        Text(""),
        Text("Variants", style=_LABEL),
        _table(
            ["Variant", "Parameters", "Context", "Tokens", "Released", "Hugging Face"],
            [
                [
                    v["name"],
                    format_count(v["parameters"])
                    + (
                        f" (A{format_count(v['active_parameters'])})"
                        if v.get("active_parameters")
                        else ""
                    ),
                    format_context(v.get("context_length")),
                    format_count(v.get("pretrain_tokens")),
                    v.get("released") or "",
                    v.get("huggingface") or "",
                ]
                for v in d["variants"]
            ],
            right={1, 2, 3},
        ),
    ]
    parts += _bullets("Architecture", d.get("architecture", []))
    parts += _bullets("Highlights", d.get("highlights", []))
    parts += _links(d)
    if d.get("scores"):
        parts += [
            Text("Scores", style=_LABEL),
            _table(
                ["Benchmark", "Variant", "Value", "Metric", "Shots", "Setting", "Source"],
                [
                    [
                        s["benchmark"],
                        s["variant"],
                        f"{s['value']:g}",
                        s["metric"],
                        "" if s.get("shots") is None else str(s["shots"]),
                        s["setting"],
                        s["source"],
                    ]
                    for s in d["scores"]
                ],
                right={2, 4},
            ),
        ]
    parts += _bullets("Sources", d.get("sources", []))
    parts += _bullets("Notes", d.get("notes", []))
    return Group(*parts)


_SKIP = {"id", "name", "summary", "links", "sources", "notes", "aliases"}


def generic_view(card: Card) -> Group:
    """Benchmark, leaderboard and resource cards: their fields in order."""
    d = card.data
    pairs: list[tuple[str, str]] = [("Kind", card.kind.rstrip("s"))]
    for key, value in d.items():
        if key in _SKIP or value in (None, [], {}):
            continue
        label = key.replace("_", " ").capitalize()
        if isinstance(value, dict):
            text = ", ".join(
                f"{k}: {v:,}" if isinstance(v, int) else f"{k}: {v}" for k, v in value.items()
            )
        elif isinstance(value, list):
            text = "\n".join(
                ", ".join(f"{k}={v}" for k, v in item.items() if v is not None)
                if isinstance(item, dict)
                else str(item)
                for item in value
            )
        else:
            text = str(value)
        pairs.append((label, text))
    pairs.append(("Aliases", ", ".join(d.get("aliases", []))))
    pairs.append(("File", card.path))
    parts: list[RenderableType] = [
        Rule(plain(f"{d['name']} ({card.id})"), style="cyan"),
        plain(d["summary"]),
        Text(""),
        _facts(pairs),
    ]
    parts += _links(d)
    parts += _bullets("Sources", d.get("sources", []))
    parts += _bullets("Notes", d.get("notes", []))
    return Group(*parts)


def print_card(card: Card, family: Lineage | None, out: TextIO) -> None:
    view = model_view(card, family) if card.kind == "models" and family else generic_view(card)
    make_console(out).print(view)


def comparison_table(comparison: Comparison) -> Table:
    table = Table(
        header_style="bold",
        show_edge=True,
        pad_edge=False,
        show_lines=False,
        caption_justify="left",
    )
    table.add_column("", style=_LABEL, no_wrap=True)
    for card_id, name in zip(comparison.ids, comparison.names, strict=True):
        table.add_column(plain(f"{name}\n({card_id})"), overflow="fold")
    notes: list[str] = []
    for row in comparison.rows:
        label = Text(("≠ " if row.differs else "  ") + row.label)
        cells = [
            cell(value, "bold green" if i in row.highlight else "")
            for i, value in enumerate(row.values)
        ]
        if not row.comparable:
            label.append(" !", style="bold yellow")
        table.add_row(label, *cells)
        if row.note and row.key.startswith("score:"):
            notes.append(f"{row.label}: {row.note}")
    table.caption = None
    if notes:
        table.caption = plain("\n".join(notes))
    return table


def print_comparison(comparison: Comparison, out: TextIO) -> None:
    console = make_console(out)
    console.print(comparison_table(comparison))
    console.print(
        Text(
            "≠ the models differ; bold green: largest context, newest release, best score"
            "; ! scores not comparable",
            style="dim",
        )
    )
