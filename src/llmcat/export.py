"""`llmcat export`: the whole catalog as an awesome-list README, or as data for other tools.

One class per format behind one interface (`Exporter.render(catalog, kind) -> str`), so the
CLI only picks a class and writes what it returns. Card text is untrusted: Markdown output
escapes it and keeps link targets to the http(s) URLs the schema allows; JSON escapes
control characters; CSV cells that a spreadsheet would run as formulas are quoted.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from enum import StrEnum
from typing import Any, ClassVar, Protocol

from llmcat.catalog import Card, Catalog
from llmcat.describe import context_text, sizes_text, tokens_text
from llmcat.render.formats import markdown_escape, to_json
from llmcat.render.text import safe, safe_inline
from llmcat.units import format_count


class ExportFormat(StrEnum):
    markdown = "markdown"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


class Exporter(Protocol):
    name: ClassVar[ExportFormat]

    def render(self, catalog: Catalog, kind: str = "models") -> str: ...


def records(catalog: Catalog, kind: str = "models") -> list[dict[str, Any]]:
    """Every field of every card of `kind`, ordered by id."""
    return [card.data for card in sorted(catalog.of_kind(kind), key=lambda c: c.id)]


class JsonExporter:
    name = ExportFormat.json

    def render(self, catalog: Catalog, kind: str = "models") -> str:
        return to_json(records(catalog, kind)) + "\n"


class JsonlExporter:
    name = ExportFormat.jsonl

    def render(self, catalog: Catalog, kind: str = "models") -> str:
        return "".join(to_json(r, indent=None) + "\n" for r in records(catalog, kind))


# -- CSV --------------------------------------------------------------------------------


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Tables become dotted columns (`links.github`); arrays stay whole, as JSON text."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{name}."))
        elif isinstance(value, list):
            out[name] = json.dumps(value, ensure_ascii=False) if value else ""
        else:
            out[name] = "" if value is None else value
    return out


def _csv_cell(value: Any) -> str:
    text = safe(value)
    # A cell starting with = + - @ is run as a formula by spreadsheets; quote it as text.
    if text[:1] in ("=", "+", "-", "@") and not isinstance(value, int | float):
        return "'" + text
    return text


class CsvExporter:
    name = ExportFormat.csv

    def render(self, catalog: Catalog, kind: str = "models") -> str:
        rows = [flatten(r) for r in records(catalog, kind)]
        columns: dict[str, None] = {}
        for row in rows:
            columns.update(dict.fromkeys(row))
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(list(columns))
        for row in rows:
            writer.writerow([_csv_cell(row.get(c, "")) for c in columns])
        return buffer.getvalue()


# -- Markdown ---------------------------------------------------------------------------

LINK_LABELS = {
    "huggingface": "Hugging Face",
    "arxiv": "arXiv",
    "github": "GitHub",
    "blog": "Blog",
    "homepage": "Homepage",
    "paper": "Paper",
}
_KIND_TITLES = {
    "models": "Models",
    "benchmarks": "Benchmarks",
    "leaderboards": "Leaderboards",
    "resources": "Resources",
}


def _md(text: object) -> str:
    return markdown_escape(str(text))


def _md_url(url: str) -> str:
    # Characters that would end a Markdown link target, percent-encoded.
    return re.sub(r"[()<>\s\\\[\]]", lambda m: f"%{ord(m.group()):02X}", safe_inline(url))


def _link(label: str, url: str) -> str:
    return f"[{_md(label)}]({_md_url(url)})"


class _Slugger:
    """GitHub's heading anchors: lowercase, punctuation dropped, spaces to '-', repeats -1."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def slug(self, heading: str) -> str:
        base = re.sub(r"[^\w\- ]", "", safe_inline(heading).lower()).replace(" ", "-")
        count = self.seen.get(base, 0)
        self.seen[base] = count + 1
        return base if count == 0 else f"{base}-{count}"


def _card_links(data: dict[str, Any], first_only: bool = False) -> list[str]:
    links = data.get("links") or {}
    out: list[str] = []
    for field, label in LINK_LABELS.items():
        urls = links.get(field) or []
        for i, url in enumerate(urls[:1] if first_only else urls):
            out.append(_link(label if i == 0 else f"{label} ({i + 1})", url))
    return out


def _family_order(cards: list[Card]) -> list[Card]:
    """Cards grouped by family (or their own name), families A-Z, oldest card first."""

    def key(card: Card) -> tuple[str, str, str]:
        family = card.data.get("family") or card.name
        return (family.casefold(), card.data.get("released") or "", card.id)

    return sorted(cards, key=key)


def _facts(pairs: list[tuple[str, str]]) -> list[str]:
    return [f"- **{label}:** {value}" for label, value in pairs if value]


class MarkdownExporter:
    """An awesome-list README: an overview table, then a section per model card."""

    name = ExportFormat.markdown
    title = "Open LLM catalog"

    def render(self, catalog: Catalog, kind: str = "models") -> str:
        slugger = _Slugger()
        models = _family_order(catalog.models)
        by_id = {card.id: card for card in catalog.models}
        lines = [f"# {self.title}", ""]
        slugger.slug(self.title)
        lines += [
            "<!-- Generated by `llmcat export --format markdown`: edit the cards, not this "
            "file. -->",
            "",
        ]
        sections: list[str] = []
        anchors: dict[str, str] = {}
        # Anchors in the order GitHub will see the headings.
        slugger.slug("Overview")
        slugger.slug("Models")
        for card in models:
            anchors[card.id] = slugger.slug(card.name)

        lines += ["## Overview", ""]
        lines.append("| Model | Organization | Sizes | Released | Links |")
        lines.append("| --- | --- | --- | --- | --- |")
        for card in models:
            d = card.data
            cells = [
                f"[{_md(card.name)}](#{anchors[card.id]})",
                _md(d["organization"]),
                _md(sizes_text(d)),
                _md(d["released"]),
                " · ".join(_card_links(d, first_only=True)),
            ]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")

        sections += ["## Models", ""]
        for card in models:
            sections += self._model(card, by_id, anchors)
        for other in ("benchmarks", "leaderboards", "resources"):
            cards = sorted(catalog.of_kind(other), key=lambda c: c.name.casefold())
            if not cards:
                continue
            title = _KIND_TITLES[other]
            slugger.slug(title)
            sections += [f"## {title}", ""]
            for card in cards:
                slugger.slug(_other_heading(card))
                sections += self._other(card)
        return "\n".join(lines + sections).rstrip("\n") + "\n"

    def _model(self, card: Card, by_id: dict[str, Card], anchors: dict[str, str]) -> list[str]:
        d = card.data
        out = [f"### {_md(card.name)}", ""]
        links = _card_links(d)
        if links:
            out += [" · ".join(links), ""]
        out += [_md(" ".join(d["summary"].split())), ""]
        base = d.get("base_model")
        base_text = ""
        if base:
            base_card = by_id.get(base)
            base_text = f"[{_md(base_card.name)}](#{anchors[base]})" if base_card else _md(base)
        out += _facts(
            [
                ("Organization", _md(d["organization"])),
                ("Released", _md(d["released"])),
                ("Parameters", _md(sizes_text(d))),
                ("Pretraining tokens", _md(tokens_text(d))),
                ("Context length", _md(context_text(d))),
                ("Languages", _md(", ".join(d.get("languages", [])))),
                ("Modality", _md(d.get("modality", "")) if d.get("modality") != "text" else ""),
                ("License", _md(d.get("license") or "")),
                ("Base model", base_text),
            ]
        )
        out.append("")
        out += ["| Variant | Parameters | Checkpoint |", "| --- | ---: | --- |"]
        for v in d["variants"]:
            repo = v.get("huggingface")
            checkpoint = _link(repo, f"https://huggingface.co/{repo}") if repo else ""
            out.append(f"| {_md(v['name'])} | {format_count(v['parameters'])} | {checkpoint} |")
        out.append("")
        for item in d.get("highlights", []):
            out.append(f"- {_md(item)}")
        if d.get("highlights"):
            out.append("")
        return out

    def _other(self, card: Card) -> list[str]:
        d = card.data
        out = [f"### {_md(_other_heading(card))}", ""]
        links = ([_link("Website", d["url"])] if d.get("url") else []) + _card_links(d)
        if links:
            out += [" · ".join(links), ""]
        out += [_md(" ".join(d["summary"].split())), ""]
        dataset = d.get("dataset")
        facts = _facts(
            [
                ("Organization", _md(d.get("organization") or d.get("owner") or "")),
                ("Released", _md(d.get("released") or "")),
                (
                    "Data set",
                    _link(dataset, f"https://huggingface.co/datasets/{dataset}") if dataset else "",
                ),
                ("Metric", _md(d.get("metric") or "")),
                ("Method", _md(d.get("method") or "")),
            ]
        )
        if facts:
            out += [*facts, ""]
        return out


def _other_heading(card: Card) -> str:
    full = card.data.get("full_name")
    return f"{card.name} ({full})" if full else card.name


EXPORTERS: dict[ExportFormat, Callable[[], Exporter]] = {
    cls.name: cls for cls in (MarkdownExporter, JsonExporter, JsonlExporter, CsvExporter)
}


def export(catalog: Catalog, fmt: ExportFormat, kind: str = "models") -> str:
    return EXPORTERS[fmt]().render(catalog, kind)
