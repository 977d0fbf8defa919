"""The commands for people who maintain a catalog: validate, new, schema, export."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from llmcat.commands.common import (
    CatalogOption,
    WithBundledOption,
    fail,
    fail_usage,
    open_catalog,
    report_problems,
)
from llmcat.errors import ExitStatus
from llmcat.export import ExportFormat
from llmcat.render.problems import ProblemFormat

KINDS = ("models", "benchmarks", "leaderboards", "resources")

OutputFileOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write to FILE (atomically) instead of standard output.",
        rich_help_panel="Output",
    ),
]
KindOption = Annotated[
    str,
    typer.Option(
        "--kind",
        "-k",
        help="Which kind of card: models, benchmarks, leaderboards or resources (or singular).",
        rich_help_panel="Output",
    ),
]


def _check_kind(kind: str) -> str:
    # Folders are plural; `benchmarks --kind` is singular: either spelling is taken here.
    plural = kind if kind in KINDS else f"{kind}s"
    if plural not in KINDS:
        fail_usage(f"--kind: '{kind}' is not one of {', '.join(KINDS)}")
    return plural


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    from llmcat.newcard import write_file

    try:
        write_file(output, text)
    except OSError as exc:
        fail(f"cannot write '{output}': {exc.strerror}", ExitStatus.USAGE)


def validate(
    catalog: CatalogOption = None,
    with_bundled: WithBundledOption = False,
    fmt: Annotated[
        ProblemFormat,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            help="text: path:line:column: message; github: workflow annotations; "
            "json: a list of problems.",
            rich_help_panel="Output",
        ),
    ] = ProblemFormat.text,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail (exit 1) on warnings too.")
    ] = False,
) -> None:
    """Check every card and report every problem, each at the line of its key.

    Exit 1 when there are errors (or, with --strict, warnings), 0 when clean, 2 when a
    catalog folder cannot be read or the arguments are wrong.
    """
    from llmcat.paths import catalog_roots
    from llmcat.render.problems import emit_problems, summary
    from llmcat.validate import validate_catalogs

    report = validate_catalogs(catalog_roots(catalog, with_bundled=with_bundled))
    if report.unreadable:
        report_problems(list(report.unreadable))
        raise typer.Exit(ExitStatus.USAGE)
    emit_problems(report.problems, fmt, sys.stdout)
    if fmt is ProblemFormat.text:
        print(
            f"llmcat: {summary(len(report.errors), len(report.warnings), report.files)}",
            file=sys.stderr,
        )
    raise typer.Exit(report.exit_status(strict=strict))


def new(
    card_id: Annotated[str, typer.Argument(metavar="ID", help="The new card's id (a slug).")],
    org: Annotated[str, typer.Option("--org", help="The organization behind the model.")],
    released: Annotated[
        str, typer.Option("--released", help="Release date: YYYY-MM or YYYY-MM-DD.")
    ],
    param: Annotated[
        list[str],
        typer.Option("--param", metavar="SIZE", help="A variant's size, e.g. 7B (repeatable)."),
    ],
    name: Annotated[
        str | None, typer.Option("--name", help="Display name. Default: the id.")
    ] = None,
    hf: Annotated[
        list[str] | None,
        typer.Option(
            "--hf",
            metavar="REPO",
            help="Hugging Face repo (namespace/name) of each --param, in the same order.",
        ),
    ] = None,
    arxiv: Annotated[
        str | None, typer.Option("--arxiv", metavar="ID", help="arXiv id of the paper.")
    ] = None,
    summary: Annotated[
        str | None, typer.Option("--summary", help="A paragraph on the model.")
    ] = None,
    source: Annotated[
        list[str] | None,
        typer.Option("--source", metavar="URL", help="Where the facts come from (repeatable)."),
    ] = None,
    catalog: Annotated[
        Path,
        typer.Option(
            "--catalog",
            "-c",
            metavar="DIR",
            help="The catalog folder to write into.",
            rich_help_panel="Catalog",
        ),
    ] = Path("catalog"),
) -> None:
    """Write a new model card, catalog/models/ID.toml, from the facts given.

    The card is validated before it is written, never replaces an existing file, and is
    written atomically. Its first line, `#:schema`, lets editors complete and check it.
    """
    from llmcat.newcard import NewCard, NewCardError, create_card

    facts = NewCard(
        id=card_id,
        name=name,
        organization=org,
        released=released,
        parameters=tuple(param),
        huggingface=tuple(hf or ()),
        arxiv=arxiv,
        summary=summary,
        sources=tuple(source or ()),
    )
    try:
        written = create_card(catalog, facts)
    except NewCardError as exc:
        if exc.problems:
            report_problems(exc.problems)
        fail_usage(f"{exc}" + ("" if exc.problems else "; nothing was written"))
    except OSError as exc:
        fail(f"cannot write the card: {exc.strerror}", ExitStatus.USAGE)
    if written.schema_written:
        print(f"llmcat: wrote {written.schema_written} for editors", file=sys.stderr)
    print(written.path)


def schema(
    kind: KindOption = "models",
    output: OutputFileOption = None,
) -> None:
    """Print the JSON Schema of a card, for editors with TOML schema support (taplo)."""
    from llmcat.newcard import schema_text

    _write(schema_text(_check_kind(kind)), output)


def export(
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            help="markdown: an awesome-list README; json, jsonl, csv: every field, for tools.",
            rich_help_panel="Output",
        ),
    ] = ExportFormat.markdown,
    output: OutputFileOption = None,
    kind: KindOption = "models",
    catalog: CatalogOption = None,
    with_bundled: WithBundledOption = False,
) -> None:
    """Export the catalog: a README in the style of an awesome list, or data for tools.

    --kind picks the cards for json, jsonl and csv; markdown always shows every kind.
    """
    from llmcat.export import export as render_export

    kind = _check_kind(kind)
    data = open_catalog(catalog, with_bundled)
    _write(render_export(data, fmt, kind), output)


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
    app.command("new")(new)
    app.command("schema")(schema)
    app.command("export")(export)
