"""Rich consoles and tables. Card text always enters Rich as `Text`, never as markup."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from llmcat.render.text import safe, safe_inline

if TYPE_CHECKING:
    from llmcat.render.formats import Column, Listing


def make_console(out: TextIO, *, stderr: bool = False) -> Console:
    # Rich honours NO_COLOR and turns styles off when `out` is not a terminal. Markup and
    # emoji codes are off, so nothing in a card can be taken as an instruction to Rich.
    return Console(file=out, markup=False, emoji=False, highlight=False, stderr=stderr)


def plain(text: object, style: str = "") -> Text:
    """Untrusted text as a Rich `Text`: control characters escaped, markup left as is."""
    return Text(safe(text), style=style)


def cell(text: object, style: str = "") -> Text:
    return Text(safe_inline(text), style=style)


def fitting_columns(listing: Listing, width: int) -> list[Column]:
    """The columns that fit `width`, dropping the most expendable ones first."""
    columns = list(listing.columns)

    def needed(column: Column) -> int:
        # A column needs its longest word (or its cap), plus padding and a border.
        words = [len(w) for row in listing.rows for w in row.get(column.key, "").split()]
        longest = max([len(column.header) if len(column.header) <= 12 else 8, *words])
        return min(longest, column.max_width or longest) + 3

    while sum(needed(c) for c in columns) + 1 > width:
        expendable = [c for c in columns if c.drop]
        if not expendable:
            break
        columns.remove(max(expendable, key=lambda c: c.drop))
    return columns


def rich_table(listing: Listing, width: int = 10_000) -> Table:
    columns = fitting_columns(listing, width)
    hidden = [c.header for c in listing.columns if c not in columns]
    caption = listing.caption
    if hidden:
        note = f"{', '.join(hidden)} hidden to fit the terminal; --format csv shows all columns"
        caption = f"{caption}\n{note}" if caption else note
    table = Table(
        title=listing.title,
        caption=caption,
        header_style="bold",
        show_edge=True,
        pad_edge=False,
        expand=False,
    )
    for column in columns:
        table.add_column(
            column.header,
            justify="right" if column.justify == "right" else "left",
            no_wrap=not column.wrap or column.max_width is not None,
            overflow="ellipsis",
            max_width=column.max_width,
        )
    for index, row in enumerate(listing.rows):
        table.add_row(
            *(
                cell(row.get(c.key, ""), "bold green" if (index, c.key) in listing.emphasis else "")
                for c in columns
            )
        )
    return table
