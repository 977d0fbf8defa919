"""The reading commands: list, filter, show, compare."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from llmcat.catalog import Card, Catalog
from llmcat.commands.common import (
    CatalogOption,
    FormatOption,
    JsonOption,
    QuietOption,
    WithBundledOption,
    choose_format,
    fail,
    fail_usage,
    open_catalog,
)
from llmcat.errors import UsageError
from llmcat.render.formats import OutputFormat

_FILTERS = "Filters"


def _benchmark_ids(catalog: Catalog) -> list[str]:
    return [c.id for c in catalog.of_kind("benchmarks")]


def _print_listing(cards: list[Card], fmt: OutputFormat, *, models: bool = True) -> None:
    """Model cards as `list` rows; benchmark, leaderboard and resource cards as references."""
    from llmcat.render.columns import LIST_COLUMNS, REFERENCE_COLUMNS, reference_row
    from llmcat.render.formats import Listing, emit_listing

    # Build only what the format prints: a warm 10,000-card listing is mostly this work.
    tabular = fmt in (OutputFormat.table, OutputFormat.csv, OutputFormat.markdown)
    rows = ()
    if tabular:
        rows = tuple(c.cells if models else reference_row(c.kind, c.data) for c in cards)
    listing = Listing(
        columns=LIST_COLUMNS if models else REFERENCE_COLUMNS,
        rows=rows,
        records=tuple(c.data for c in cards) if fmt is OutputFormat.json else (),
        ids=tuple(c.id for c in cards),
    )
    emit_listing(listing, fmt, sys.stdout)


def _sorted(catalog: Catalog, cards: list[Card], sort: str | None, reverse: bool) -> list[Card]:
    from llmcat.query import sort_cards

    if sort is None:
        return sorted(cards, key=lambda c: c.id, reverse=reverse)
    try:
        return sort_cards(cards, sort, reverse=reverse, benchmarks=_benchmark_ids(catalog))
    except UsageError as exc:
        fail_usage(f"--sort: {exc}")


SortOption = Annotated[
    str | None,
    typer.Option(
        "--sort",
        "-s",
        metavar="FIELD",
        help="Sort by a field: id, name, organization, released, parameters, context_length, "
        "pretrain_tokens, license, or a benchmark id such as mmlu. Default: id.",
        rich_help_panel="Output",
    ),
]
ReverseOption = Annotated[
    bool, typer.Option("--reverse", "-r", help="Reverse the order.", rich_help_panel="Output")
]
LimitOption = Annotated[
    int | None,
    typer.Option("--limit", "-n", min=0, help="Show at most N rows.", rich_help_panel="Output"),
]


def list_models(
    org: Annotated[
        list[str] | None,
        typer.Option(
            "--org",
            "-o",
            help="Organization (case-insensitive; repeatable).",
            rich_help_panel=_FILTERS,
        ),
    ] = None,
    lang: Annotated[
        list[str] | None,
        typer.Option(
            "--lang",
            "-l",
            help="Supports this ISO 639-1 language (repeatable).",
            rich_help_panel=_FILTERS,
        ),
    ] = None,
    license: Annotated[
        list[str] | None,
        typer.Option(
            "--license",
            help="Licence name contains this text (repeatable).",
            rich_help_panel=_FILTERS,
        ),
    ] = None,
    modality: Annotated[
        list[str] | None,
        typer.Option(
            "--modality",
            "-m",
            help="text or vision-language (repeatable).",
            rich_help_panel=_FILTERS,
        ),
    ] = None,
    min_params: Annotated[
        str | None,
        typer.Option(
            "--min-params",
            metavar="SIZE",
            help="Some variant has at least SIZE (e.g. 7B).",
            rich_help_panel=_FILTERS,
        ),
    ] = None,
    max_params: Annotated[
        str | None,
        typer.Option(
            "--max-params",
            metavar="SIZE",
            help="Some variant has at most SIZE.",
            rich_help_panel=_FILTERS,
        ),
    ] = None,
    released_after: Annotated[
        str | None,
        typer.Option(
            "--released-after",
            metavar="DATE",
            help="Released on or after DATE (2024-01 or 2024-01-31).",
            rich_help_panel=_FILTERS,
        ),
    ] = None,
    released_before: Annotated[
        str | None,
        typer.Option(
            "--released-before",
            metavar="DATE",
            help="Released on or before DATE.",
            rich_help_panel=_FILTERS,
        ),
    ] = None,
    search: Annotated[
        str | None,
        typer.Option(
            "--search",
            "-S",
            metavar="TEXT",
            help="TEXT appears in the name, id, aliases or summary (case-insensitive).",
            rich_help_panel=_FILTERS,
        ),
    ] = None,
    sort: SortOption = None,
    reverse: ReverseOption = False,
    limit: LimitOption = None,
    fmt: FormatOption = OutputFormat.table,
    json: JsonOption = False,
    quiet: QuietOption = False,
    catalog: CatalogOption = None,
    with_bundled: WithBundledOption = False,
) -> None:
    """List model families, one row each.

    Examples:

        llmcat list --org Meta

        llmcat list --lang zh --min-params 7B --sort released --reverse

        llmcat list --modality vision-language --json
    """
    from llmcat.query import ListFilters

    out_format = choose_format(fmt, json, quiet)
    data = open_catalog(catalog, with_bundled)
    filters = ListFilters(
        orgs=tuple(org or ()),
        languages=tuple(lang or ()),
        licenses=tuple(license or ()),
        modalities=tuple(modality or ()),
        min_params=min_params,
        max_params=max_params,
        released_after=released_after,
        released_before=released_before,
        search=search,
    )
    try:
        matches = filters.predicate()
    except UsageError as exc:
        fail_usage(str(exc))
    cards = [c for c in data.models if matches(c)]
    cards = _sorted(data, cards, sort, reverse)
    if limit is not None:
        cards = cards[:limit]
    _print_listing(cards, out_format)


def filter_models(
    expressions: Annotated[
        list[str],
        typer.Argument(
            metavar="EXPR...",
            help="Conditions such as 'parameters >= 7B', all of which must hold.",
            show_default=False,
        ),
    ],
    sort: SortOption = None,
    reverse: ReverseOption = False,
    limit: LimitOption = None,
    fmt: FormatOption = OutputFormat.table,
    json: JsonOption = False,
    quiet: QuietOption = False,
    catalog: CatalogOption = None,
    with_bundled: WithBundledOption = False,
) -> None:
    """List the model families for which every condition holds.

    A condition is FIELD OPERATOR VALUE. Operators: = != < <= > >= contains ~
    (~ is a case-insensitive substring match). Sizes read as 7B, 1.3B; token counts as 15T;
    dates as 2024-01 or 2024-01-31. A field with several values (sizes, languages) matches
    when any value does. Benchmark ids (mmlu, gsm8k, ...) compare the best published score.

    Examples:

        llmcat filter 'parameters >= 7B' 'languages contains zh' 'released >= 2024-01'

        llmcat filter 'organization ~ micro' 'context_length >= 128K'

        llmcat filter 'mmlu >= 60' --sort mmlu --reverse
    """
    from llmcat.query import filter_cards, parse_conditions

    out_format = choose_format(fmt, json, quiet)
    data = open_catalog(catalog, with_bundled)
    try:
        conditions = parse_conditions(expressions, _benchmark_ids(data))
    except UsageError as exc:
        fail_usage(str(exc))
    cards = _sorted(data, filter_cards(data.models, conditions), sort, reverse)
    if limit is not None:
        cards = cards[:limit]
    _print_listing(cards, out_format)


def _lookup(data: Catalog, query: str) -> Card:
    from llmcat.query import find_card, suggest

    card = find_card(data.cards, query)
    if card is None:
        hint = suggest(data.cards, query)
        fail(f"no model '{query}'" + (f"; did you mean '{hint}'?" if hint else ""))
    return card


def show(
    model: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="An id, alias or name (case, spaces, dots and dashes do not matter)."
        ),
    ],
    fmt: FormatOption = OutputFormat.table,
    json: JsonOption = False,
    catalog: CatalogOption = None,
    with_bundled: WithBundledOption = False,
) -> None:
    """Show everything in one card: sizes and their repos, links, scores, sources, notes.

    Examples:

        llmcat show llama3

        llmcat show "Llama 3" --json

        llmcat show mmlu
    """
    from llmcat.render.formats import to_json

    out_format = choose_format(fmt, json)
    loaded = open_catalog(catalog, with_bundled)
    card = _lookup(loaded, model)
    if out_format is OutputFormat.json:
        print(to_json(card.data))
        return
    if out_format is not OutputFormat.table:
        _print_listing([card], out_format, models=card.kind == "models")
        return
    from llmcat.query import lineage
    from llmcat.render.cards import print_card

    print_card(card, lineage(loaded.cards, card), sys.stdout)


def compare(
    models: Annotated[
        list[str],
        typer.Argument(metavar="ID ID [ID...]", help="Two or more ids, aliases or names."),
    ],
    fmt: FormatOption = OutputFormat.table,
    json: JsonOption = False,
    quiet: QuietOption = False,
    catalog: CatalogOption = None,
    with_bundled: WithBundledOption = False,
) -> None:
    """Compare model families side by side, one column each.

    Rows where the models differ are marked with ≠; the largest context, the newest release
    and the best comparable score are shown in bold. Benchmark rows whose scores were taken
    under different settings (shots, harness) are marked not comparable.

    Examples:

        llmcat compare llama3 gemma

        llmcat compare llama2 llama3 qwen1.5 --format markdown
    """
    from llmcat.compare import compare_cards

    if len(models) < 2:
        fail_usage("compare needs at least two models")
    out_format = choose_format(fmt, json, quiet)
    data = open_catalog(catalog, with_bundled)
    cards = [_lookup(data, m) for m in models]
    not_models = [c.id for c in cards if c.kind != "models"]
    if not_models:
        fail_usage(f"compare works on model cards; not a model: {', '.join(not_models)}")
    comparison = compare_cards(cards)
    if out_format is OutputFormat.json:
        from llmcat.render.formats import to_json

        print(to_json(comparison.to_dict()))
    elif out_format is OutputFormat.table:
        from llmcat.render.cards import print_comparison

        print_comparison(comparison, sys.stdout)
    elif out_format is OutputFormat.ids:
        for card_id in comparison.ids:
            print(card_id)
    else:
        from llmcat.render.formats import Column, Listing, emit_listing

        columns = (
            Column("field", "Field"),
            *(Column(i, i) for i in comparison.ids),
            Column("differs", "Differs"),
            Column("note", "Note"),
        )
        rows = tuple(
            {
                "field": r.label,
                **dict(zip(comparison.ids, r.values, strict=True)),
                "differs": "yes" if r.differs else "",
                "note": r.note or "",
            }
            for r in comparison.rows
        )
        emit_listing(Listing(columns, rows, ()), out_format, sys.stdout)


_REFERENCE_KINDS = ("benchmarks", "leaderboards", "resources")


def benchmarks(
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            "-k",
            help="benchmark, leaderboard or resource (repeatable). Default: all three.",
            rich_help_panel=_FILTERS,
        ),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
    json: JsonOption = False,
    quiet: QuietOption = False,
    catalog: CatalogOption = None,
    with_bundled: WithBundledOption = False,
) -> None:
    """List the benchmarks, leaderboards and other resources the catalog describes.

    `llmcat show ID` shows one of them in full, and a model's `show` lists the benchmarks
    it has published scores for.

    Examples:

        llmcat benchmarks

        llmcat benchmarks --kind leaderboard --json

        llmcat show mmlu
    """
    out_format = choose_format(fmt, json, quiet)
    wanted = []
    for name in kind or [k.rstrip("s") for k in _REFERENCE_KINDS]:
        plural = name.lower().rstrip("s") + "s"
        if plural not in _REFERENCE_KINDS:
            fail_usage(f"--kind: '{name}' is not one of benchmark, leaderboard, resource")
        wanted.append(plural)
    data = open_catalog(catalog, with_bundled)
    cards = [c for k in _REFERENCE_KINDS if k in wanted for c in data.of_kind(k)]
    _print_listing(cards, out_format, models=False)


def register(app: typer.Typer) -> None:
    app.command("list")(list_models)
    app.command("filter")(filter_models)
    app.command("show")(show)
    app.command("compare")(compare)
    app.command("benchmarks")(benchmarks)
