"""Options every command shares, and the one place where errors become exit codes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from llmcat.catalog import Catalog
from llmcat.errors import CatalogError, ExitStatus, Problem
from llmcat.render.formats import OutputFormat
from llmcat.render.text import safe_inline

CatalogOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--catalog",
        "-c",
        metavar="DIR",
        help="Read this catalog folder instead of the bundled one (repeatable). "
        "Default: $LLMCAT_CATALOG (os.pathsep-separated), else the bundled catalog.",
        show_default=False,
        rich_help_panel="Catalog",
    ),
]
WithBundledOption = Annotated[
    bool,
    typer.Option(
        "--with-bundled",
        help="Read the bundled catalog as well as those given with --catalog.",
        rich_help_panel="Catalog",
    ),
]
FormatOption = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        "-f",
        case_sensitive=False,
        help="Output format.",
        rich_help_panel="Output",
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Same as --format json.", rich_help_panel="Output")
]
QuietOption = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="Print only ids, one per line (--format ids).",
        rich_help_panel="Output",
    ),
]


def choose_format(fmt: OutputFormat, json: bool = False, quiet: bool = False) -> OutputFormat:
    if json and quiet:
        fail_usage("--json and --quiet cannot be used together")
    if json:
        return OutputFormat.json
    if quiet:
        return OutputFormat.ids
    return fmt


def open_catalog(catalog: list[Path] | None, with_bundled: bool = False) -> Catalog:
    """Load the catalogs the user asked for; on any problem, list them all and exit 2."""
    from llmcat.catalog import load_catalog
    from llmcat.paths import catalog_roots

    try:
        return load_catalog(catalog_roots(catalog, with_bundled=with_bundled))
    except CatalogError as exc:
        report_problems(exc.problems)
        raise typer.Exit(ExitStatus.USAGE) from None


def report_problems(problems: list[Problem]) -> None:
    for problem in problems:
        print(safe_inline(problem.one_line()), file=sys.stderr)
    errors = sum(1 for p in problems if p.severity == "error")
    files = len({p.path for p in problems})
    print(
        f"llmcat: {errors} problem{'s' if errors != 1 else ''} in {files} "
        f"file{'s' if files != 1 else ''}; nothing else was done",
        file=sys.stderr,
    )


def fail_usage(message: str) -> NoReturn:
    """A usage error: one line on stderr, exit 2."""
    print(f"llmcat: error: {safe_inline(message)}", file=sys.stderr)
    raise typer.Exit(ExitStatus.USAGE)


def fail(message: str, status: ExitStatus = ExitStatus.NEGATIVE) -> NoReturn:
    print(f"llmcat: {safe_inline(message)}", file=sys.stderr)
    raise typer.Exit(status)
