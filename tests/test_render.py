import io
import json

from llmcat.render.console import fitting_columns
from llmcat.render.formats import (
    FORMATTERS,
    Column,
    Listing,
    OutputFormat,
    emit_listing,
    markdown_escape,
    to_json,
)
from llmcat.render.text import safe, safe_inline

LISTING = Listing(
    columns=(Column("id", "ID"), Column("note", "Note", drop=1)),
    rows=({"id": "a", "note": "=SUM(A1)"}, {"id": "b", "note": "x | y"}),
    records=({"id": "a"}, {"id": "b"}),
    ids=("a", "b"),
)


def render(fmt: OutputFormat) -> str:
    out = io.StringIO()
    emit_listing(LISTING, fmt, out)
    return out.getvalue()


def test_every_format_choice_has_a_formatter() -> None:
    assert set(FORMATTERS) == set(OutputFormat)
    for fmt in OutputFormat:
        assert FORMATTERS[fmt]().name is fmt
        assert render(fmt)


def test_json_and_ids() -> None:
    assert json.loads(render(OutputFormat.json)) == [{"id": "a"}, {"id": "b"}]
    assert render(OutputFormat.ids) == "a\nb\n"


def test_csv_neutralises_spreadsheet_formulas() -> None:
    assert "'=SUM(A1)" in render(OutputFormat.csv)


def test_markdown_cells_cannot_break_the_table() -> None:
    assert "x \\| y" in render(OutputFormat.markdown)
    assert markdown_escape("[a](javascript:x) <b>") == "\\[a\\](javascript:x) \\<b\\>"


def test_safe_escapes_control_characters_but_keeps_text() -> None:
    assert safe("a\x1b[31mb\nc\x9b\u202e") == "a\\x1b[31mb\nc\\x9b\\u202e"
    assert safe_inline("a\nb\tc") == "a\\x0ab\\x09c"
    assert safe("[bold]ok[/] 中文 é") == "[bold]ok[/] 中文 é"


def test_to_json_escapes_c1_and_bidi_controls() -> None:
    text = to_json({"x": "\x1b\x9b\u202e"})
    assert "\x9b" not in text and "\u202e" not in text and "\x1b" not in text
    assert json.loads(text) == {"x": "\x1b\x9b\u202e"}


def test_to_json_can_write_each_record_on_one_line() -> None:
    value = {
        "results": [{"url": "a\x9b", "uses": [{"line": 3}]}, {"url": "b", "uses": []}],
        "summary": {"ok": 2},
        "warnings": [],
    }
    text = to_json(value, one_line_from=2)
    assert text.splitlines() == [
        "{",
        '  "results": [',
        '    {"url": "a\\u009b", "uses": [{"line": 3}]},',
        '    {"url": "b", "uses": []}',
        "  ],",
        '  "summary": {',
        '    "ok": 2',
        "  },",
        '  "warnings": []',
        "}",
    ]
    assert json.loads(text) == value


def test_narrow_terminals_drop_expendable_columns_first() -> None:
    assert [c.key for c in fitting_columns(LISTING, 200)] == ["id", "note"]
    assert [c.key for c in fitting_columns(LISTING, 10)] == ["id"]


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_table_format_is_plain_aligned_text_in_a_pipe() -> None:
    lines = render(OutputFormat.table).splitlines()
    assert lines[0].split() == ["ID", "Note"]
    assert lines[1].startswith("--")
    assert lines[2].split() == ["a", "=SUM(A1)"]


def test_table_format_is_a_rich_table_on_a_terminal_and_keeps_card_text_literal() -> None:
    hostile = Listing(
        columns=(Column("id", "ID"), Column("name", "Name")),
        rows=({"id": "x", "name": "[bold red]x[/] \x1b[31mRED"},),
        records=({"id": "x"},),
    )
    out = FakeTerminal()
    emit_listing(hostile, OutputFormat.table, out)
    text = out.getvalue()
    assert "┃" in text or "│" in text
    assert "[bold red]x[/]" in text
    assert "\\x1b[31mRED" in text
    assert "\x1b[31m" not in text  # the card's own escape sequence never reaches the terminal


def test_invisible_and_line_breaking_characters_are_escaped() -> None:
    assert safe("a\u2028b\u2029c\u061cd\u200be\ufeff") == "a\\u2028b\\u2029c\\u061cd\\u200be\\ufeff"
    assert "\u2028" not in to_json({"x": "\u2028"})
