"""Listing formatters: one class per `--format` choice, behind one interface.

Only `TableFormatter` imports Rich, and only when it runs, so `--format json|csv|ids`
print without loading it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from enum import StrEnum
from typing import Any, ClassVar, NamedTuple, Protocol, TextIO

from llmcat.render.text import INVISIBLE, needs_escape, safe_inline


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    ids = "ids"


class Column(NamedTuple):
    key: str
    header: str
    justify: str = "left"  # "left" or "right"
    wrap: bool = True  # False: never break this column's cells across lines
    max_width: int | None = None  # tables cut longer cells with an ellipsis
    drop: int = 0  # on a narrow terminal, columns with the highest `drop` go first; 0 stays


class Listing(NamedTuple):
    """What a listing command found: display cells for tables, whole records for JSON."""

    columns: tuple[Column, ...]
    rows: tuple[dict[str, str], ...]
    records: tuple[dict[str, Any], ...]
    ids: tuple[str, ...] = ()
    title: str | None = None
    caption: str | None = None
    # Cell text to emphasise in tables, by (row index, column key), e.g. the newest date.
    emphasis: frozenset[tuple[int, str]] = frozenset()


# json.dumps escapes C0 controls itself; these are the others `safe` escapes.
_C1 = re.compile(rf"[\x7f-\x9f{INVISIBLE}]")


def to_json(value: Any, *, indent: int | None = 2, one_line_from: int | None = None) -> str:
    """JSON with every control character escaped (json.dumps leaves C1 and bidi ones raw).

    `one_line_from=N` writes each value nested N deep on one line: a report of a thousand
    results then reads one result a line, and is encoded by json's C encoder (json.dumps
    with an indent runs in Python, five times slower).
    """
    if indent is None or one_line_from is None:
        text = json.dumps(value, indent=indent, ensure_ascii=False)
    else:
        text = _layered(value, indent, one_line_from, 0)
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_ONE_LINE = json.JSONEncoder(ensure_ascii=False)  # json.dumps(**options) builds one a call


def _layered(value: Any, indent: int, one_line_from: int, depth: int) -> str:
    if depth >= one_line_from or not value or not isinstance(value, dict | list):
        return _ONE_LINE.encode(value)
    inner = " " * (indent * (depth + 1))
    if isinstance(value, dict):
        items = [
            f"{inner}{_ONE_LINE.encode(str(key))}: "
            + _layered(item, indent, one_line_from, depth + 1)
            for key, item in value.items()
        ]
        opening, closing = "{", "}"
    else:
        items = [inner + _layered(item, indent, one_line_from, depth + 1) for item in value]
        opening, closing = "[", "]"
    return opening + "\n" + ",\n".join(items) + "\n" + " " * (indent * depth) + closing


class Formatter(Protocol):
    name: ClassVar[OutputFormat]

    def emit(self, listing: Listing, out: TextIO) -> None: ...


class JsonFormatter:
    name = OutputFormat.json

    def emit(self, listing: Listing, out: TextIO) -> None:
        out.write(to_json(list(listing.records)) + "\n")


class CsvFormatter:
    name = OutputFormat.csv

    def emit(self, listing: Listing, out: TextIO) -> None:
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([c.header for c in listing.columns])
        for row in listing.rows:
            writer.writerow([_csv_cell(safe_inline(row.get(c.key, ""))) for c in listing.columns])
        out.write(buffer.getvalue())


def _csv_cell(text: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheets; quote it as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class MarkdownFormatter:
    name = OutputFormat.markdown

    def emit(self, listing: Listing, out: TextIO) -> None:
        out.write(markdown_table(listing.columns, listing.rows))


def markdown_escape(text: str) -> str:
    """Cell text that cannot break out of a Markdown table cell or become markup."""
    text = safe_inline(text)
    return re.sub(r"([\\|`*_\[\]<>#])", r"\\\1", text)


def markdown_table(columns: tuple[Column, ...], rows: tuple[dict[str, str], ...]) -> str:
    lines = ["| " + " | ".join(markdown_escape(c.header) for c in columns) + " |"]
    lines.append(
        "| " + " | ".join("---:" if c.justify == "right" else "---" for c in columns) + " |"
    )
    for row in rows:
        lines.append("| " + " | ".join(markdown_escape(row.get(c.key, "")) for c in columns) + " |")
    return "\n".join(lines) + "\n"


class IdsFormatter:
    name = OutputFormat.ids

    def emit(self, listing: Listing, out: TextIO) -> None:
        for card_id in listing.ids:
            out.write(safe_inline(card_id) + "\n")


class TableFormatter:
    """A Rich table on a terminal; aligned plain text in a pipe, where lines are not cut."""

    name = OutputFormat.table

    def emit(self, listing: Listing, out: TextIO) -> None:
        isatty = getattr(out, "isatty", None)
        if not (isatty and isatty()):
            out.write(plain_table(listing.columns, listing.rows))
            return
        from llmcat.render.console import make_console, rich_table

        console = make_console(out)
        console.print(rich_table(listing, console.width))


def _clip(text: str, width: int | None) -> str:
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


def plain_table(columns: tuple[Column, ...], rows: tuple[dict[str, str], ...]) -> str:
    """Columns padded to their widest cell, two spaces apart: easy to read, grep and cut."""
    keys = [c.key for c in columns]
    cells = []
    for row in rows:
        values = [row.get(key, "") for key in keys]
        # One search a row: most rows hold nothing to escape.
        if needs_escape("".join(values)):
            values = [safe_inline(v) for v in values]
        cells.append(values)
    for i, column in enumerate(columns):
        if column.max_width is not None:
            for values in cells:
                values[i] = _clip(values[i], column.max_width)
    by_column = list(zip(*cells, strict=True)) or [() for _ in columns]
    widths = [
        max(len(c.header), max(map(len, values), default=0))
        for c, values in zip(columns, by_column, strict=True)
    ]
    # One format string for every line: far fewer calls than padding cell by cell.
    template = "  ".join(
        f"{{:{'>' if c.justify == 'right' else '<'}{w}}}"
        for c, w in zip(columns, widths, strict=True)
    )
    out = [
        template.format(*(c.header for c in columns)),
        template.format(*("-" * w for w in widths)),
    ]
    out.extend(template.format(*values) for values in cells)
    return "\n".join(line.rstrip() for line in out) + "\n"


FORMATTERS: dict[OutputFormat, Callable[[], Formatter]] = {
    cls.name: cls
    for cls in (TableFormatter, JsonFormatter, CsvFormatter, MarkdownFormatter, IdsFormatter)
}


def emit_listing(listing: Listing, fmt: OutputFormat, out: TextIO) -> None:
    FORMATTERS[fmt]().emit(listing, out)
