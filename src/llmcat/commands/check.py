"""`llmcat check`: do the catalog's links still resolve? Options in, a renderer out."""

from __future__ import annotations

import gc
import re
import sys
from contextlib import AbstractContextManager, nullcontext
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, ClassVar, TextIO

import typer

from llmcat.commands.common import CatalogOption, WithBundledOption, fail_usage, open_catalog
from llmcat.errors import ExitStatus

if TYPE_CHECKING:
    from llmcat.linkcheck import CheckReport, CheckResult, Target
    from llmcat.linkcheck.formats import ReportFormatter

_SELECT = "What to check"
_PACE = "Pace and retries"
_HOSTS = "Hosts and tokens"
_OUTPUT = "Output"
_CACHE = "Cache"


class CheckFormat(StrEnum):
    table = "table"
    json = "json"
    github = "github"
    markdown = "markdown"


class OnlyKind(StrEnum):
    # LinkKind's values, restated: importing llmcat.linkcheck for this would cost every
    # `llmcat --help` ~8 ms. A test keeps the two equal.
    huggingface = "huggingface"
    arxiv = "arxiv"
    github = "github"
    other = "other"


class TableReport:
    """The default: a Rich table of everything not `ok`, then the summary line.

    In a pipe, aligned plain text instead (as listings do): a boxed table there is cut to
    80 columns, and a URL folded over three lines cannot be found with grep.
    """

    name: ClassVar[str] = "table"

    def emit(self, report: CheckReport, out: TextIO, *, strict: bool = False) -> None:
        from llmcat.linkcheck.formats import PlainReport, detail, not_ok, summary_line

        isatty = getattr(out, "isatty", None)
        if not (isatty and isatty()):
            PlainReport().emit(report, out, strict=strict)
            return
        from rich.table import Table

        from llmcat.render.console import cell, make_console

        console = make_console(out)
        failing = not_ok(report)
        if failing:
            table = Table(header_style="bold", pad_edge=False)
            table.add_column("Status", no_wrap=True)
            table.add_column("URL", overflow="fold")
            table.add_column("Found", overflow="fold")
            table.add_column("Used in", overflow="fold")
            styles = {"broken": "bold red", "moved": "yellow", "unverified": "magenta"}
            for result in failing:
                where = "\n".join(f"{u.card} {u.field}" for u in result.uses)
                table.add_row(
                    cell(result.status.value, styles.get(result.status.value, "")),
                    cell(result.url),
                    cell(detail(result)),
                    _multiline(where),
                )
            console.print(table)
        console.print(cell(summary_line(report)))


def _multiline(text: str) -> object:
    from rich.text import Text

    from llmcat.render.text import safe

    return Text(safe(text))


def formatter_for(fmt: CheckFormat) -> ReportFormatter:
    from llmcat.linkcheck.formats import GithubReport, JsonReport, MarkdownReport

    formatters: dict[CheckFormat, type[ReportFormatter]] = {
        CheckFormat.table: TableReport,
        CheckFormat.json: JsonReport,
        CheckFormat.github: GithubReport,
        CheckFormat.markdown: MarkdownReport,
    }
    return formatters[fmt]()


def parse_duration(text: str) -> float:
    """`90`, `45s`, `30m`, `12h`, `1d`, `2w` -> seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", text.lower())
    if not match:
        raise ValueError(f"'{text}' is not a duration such as 30m, 12h or 1d")
    scale = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[match[2]]
    return float(match[1]) * scale


def _dump(targets: list[Target], fmt: CheckFormat) -> None:
    from llmcat.linkcheck.formats import dump_records
    from llmcat.render.formats import to_json
    from llmcat.render.text import safe_inline

    if fmt is CheckFormat.json:
        print(to_json(dump_records(targets)))
        return
    for target in targets:
        where = "; ".join(f"{u.card} {u.field}" for u in target.uses)
        print(f"{target.kind.value:<11}  {safe_inline(target.url)}  {safe_inline(where)}")


def _progress(total: int, enabled: bool) -> tuple[AbstractContextManager[object], object]:
    """A Rich progress bar on stderr, only when it is a terminal."""
    if not enabled or total == 0 or not sys.stderr.isatty():
        return nullcontext(), None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from llmcat.render.console import make_console

    progress = Progress(
        "checking links",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=make_console(sys.stderr, stderr=True),
        transient=True,
    )
    task = progress.add_task("check", total=total)

    def advance(result: CheckResult) -> None:
        progress.advance(task)

    return progress, advance


def check(
    catalog: CatalogOption = None,
    with_bundled: WithBundledOption = False,
    only: Annotated[
        list[OnlyKind] | None,
        typer.Option(
            "--only",
            case_sensitive=False,
            help="Check only links of this kind (repeatable).",
            rich_help_panel=_SELECT,
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            metavar="REGEX",
            help="Skip URLs this regular expression matches (searched; repeatable).",
            rich_help_panel=_SELECT,
        ),
    ] = None,
    dump: Annotated[
        bool,
        typer.Option(
            "--dump", help="List what would be checked, and check nothing.", rich_help_panel=_SELECT
        ),
    ] = False,
    fmt: Annotated[
        CheckFormat,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            help="table (default), json, github (workflow annotations) or markdown.",
            rich_help_panel=_OUTPUT,
        ),
    ] = CheckFormat.table,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="No progress bar.", rich_help_panel=_OUTPUT),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Fail (exit 1) on anything not ok: moved and unverified links too.",
            rich_help_panel=_OUTPUT,
        ),
    ] = False,
    max_concurrency: Annotated[
        int,
        typer.Option(
            "--max-concurrency",
            min=1,
            help="Requests in flight at once, overall.",
            rich_help_panel=_PACE,
        ),
    ] = 32,
    per_host: Annotated[
        int,
        typer.Option(
            "--per-host",
            min=1,
            help="Requests in flight at once to one host.",
            rich_help_panel=_PACE,
        ),
    ] = 8,
    min_interval: Annotated[
        float,
        typer.Option(
            "--min-interval",
            min=0.0,
            metavar="SECONDS",
            help="Seconds between request starts to one host.",
            rich_help_panel=_PACE,
        ),
    ] = 0.0,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            min=0.001,
            metavar="SECONDS",
            envvar="LLMCAT_CHECK_TIMEOUT",
            help="Seconds for one request, from connecting to the last byte read.",
            rich_help_panel=_PACE,
        ),
    ] = 20.0,
    max_retries: Annotated[
        int,
        typer.Option(
            "--max-retries",
            min=0,
            help="Retries after a 429, a 5xx, a timeout or a reset.",
            rich_help_panel=_PACE,
        ),
    ] = 3,
    backoff: Annotated[
        float,
        typer.Option(
            "--backoff",
            min=0.0,
            metavar="SECONDS",
            help="First retry delay; it doubles with each retry (with jitter).",
            rich_help_panel=_PACE,
        ),
    ] = 1.0,
    retry_after_cap: Annotated[
        float,
        typer.Option(
            "--retry-after-cap",
            min=0.0,
            metavar="SECONDS",
            help="Longest pause of a host that a Retry-After or a spent rate limit may ask for.",
            rich_help_panel=_PACE,
        ),
    ] = 120.0,
    arxiv_interval: Annotated[
        float,
        typer.Option(
            "--arxiv-interval",
            min=0.0,
            metavar="SECONDS",
            help="Seconds between requests to arXiv. Its terms ask for 3; lower it only for "
            "a mirror.",
            rich_help_panel=_PACE,
        ),
    ] = 3.0,
    arxiv_batch: Annotated[
        int,
        typer.Option(
            "--arxiv-batch", min=1, help="arXiv ids asked per API request.", rich_help_panel=_PACE
        ),
    ] = 100,
    remap: Annotated[
        list[str] | None,
        typer.Option(
            "--remap",
            metavar="'REGEX REPLACEMENT'",
            help="Rewrite request URLs (Python re.sub syntax, repeatable; the first match "
            "wins). Host rules still follow the URL before the rewrite.",
            rich_help_panel=_HOSTS,
        ),
    ] = None,
    hf_endpoint: Annotated[
        str,
        typer.Option(
            "--hf-endpoint",
            envvar="HF_ENDPOINT",
            metavar="URL",
            help="Hugging Face Hub API base, as huggingface_hub reads it.",
            rich_help_panel=_HOSTS,
        ),
    ] = "https://huggingface.co",
    hf_token: Annotated[
        str | None,
        typer.Option(
            "--hf-token",
            envvar="HF_TOKEN",
            metavar="TOKEN",
            show_default=False,
            show_envvar=True,
            help="Sent to the Hub API only, never to another host.",
            rich_help_panel=_HOSTS,
        ),
    ] = None,
    github_token: Annotated[
        str | None,
        typer.Option(
            "--github-token",
            envvar="GITHUB_TOKEN",
            metavar="TOKEN",
            show_default=False,
            help="Sent to github.com and api.github.com only.",
            rich_help_panel=_HOSTS,
        ),
    ] = None,
    use_cache: Annotated[
        bool,
        typer.Option(
            "--cache/--no-cache",
            help="Reuse ok, moved and broken verdicts from earlier runs.",
            rich_help_panel=_CACHE,
        ),
    ] = False,
    max_cache_age: Annotated[
        str,
        typer.Option(
            "--max-cache-age",
            metavar="AGE",
            help="How long a cached verdict is trusted: 30m, 12h, 1d, 2w.",
            rich_help_panel=_CACHE,
        ),
    ] = "1d",
) -> None:
    """Check that every link in the catalog still resolves.

    Hugging Face links are checked through the Hub API, arXiv ids through the arXiv API (many
    per request, 3 s apart), other links with HEAD (then GET). Exit status: 0 nothing broken,
    1 something broken (with --strict: anything not ok), 2 usage or catalog error, 3 nothing
    could be checked (no network), 130 interrupted.
    """
    from llmcat.linkcheck import (
        CheckConfig,
        LinkKind,
        Remap,
        check_targets,
        collect_targets,
        open_cache,
        select_targets,
    )

    try:
        patterns = [re.compile(p) for p in exclude or []]
    except re.error as exc:
        fail_usage(f"--exclude: not a regular expression: {exc}")
    try:
        remaps = tuple(Remap.parse(text) for text in remap or [])
    except ValueError as exc:
        fail_usage(str(exc))
    try:
        cache_age = parse_duration(max_cache_age)
    except ValueError as exc:
        fail_usage(f"--max-cache-age: {exc}")
    if not re.match(r"^https?://[^/\s]+", hf_endpoint):
        fail_usage(f"--hf-endpoint: '{hf_endpoint}' is not an http(s) URL")

    opened = open_catalog(catalog, with_bundled)
    kinds = [LinkKind(kind.value) for kind in only or []]
    targets = select_targets(collect_targets(opened), kinds, patterns)
    if dump:
        _dump(targets, fmt)
        raise typer.Exit(ExitStatus.OK)

    from llmcat import __version__

    config = CheckConfig(
        max_concurrency=max_concurrency,
        per_host_concurrency=per_host,
        per_host_interval=min_interval,
        timeout=timeout,
        max_retries=max_retries,
        backoff_base=backoff,
        retry_after_cap=retry_after_cap,
        arxiv_interval=arxiv_interval,
        arxiv_batch_size=arxiv_batch,
        remaps=remaps,
        hf_endpoint=hf_endpoint.rstrip("/"),
        hf_token=hf_token or None,
        github_token=github_token or None,
        user_agent=f"llmcat/{__version__} (link check)",
    )
    cache = open_cache(config, cache_age) if use_cache else None
    progress, advance = _progress(len(targets), enabled=not quiet)
    # What is alive now (modules, catalog, targets) lives until the process ends: out of the
    # collector's view, its passes during the run only look at what the run itself makes.
    gc.freeze()
    try:
        with progress:
            report = check_targets(targets, config, cache=cache, on_result=advance)
    except KeyboardInterrupt:  # a second Ctrl-C, or one before the checks started
        print("llmcat: interrupted", file=sys.stderr)
        raise typer.Exit(ExitStatus.INTERRUPTED) from None
    _report(report, fmt, strict)


def _report(report: CheckReport, fmt: CheckFormat, strict: bool) -> None:
    from llmcat.render.text import safe_inline

    for warning in report.warnings:
        print(f"llmcat: warning: {safe_inline(warning)}", file=sys.stderr)
    formatter_for(fmt).emit(report, sys.stdout, strict=strict)
    status = report.exit_status(strict=strict)
    if status is ExitStatus.NO_NETWORK:
        print(
            "llmcat: no link could be checked: no host could be reached (no network?)",
            file=sys.stderr,
        )
    if report.interrupted:
        print("llmcat: interrupted; the links not reached are reported unverified", file=sys.stderr)
        # Not 0 even if nothing checked so far was broken: the rest was not checked.
        status = ExitStatus.INTERRUPTED
    raise typer.Exit(status)


def register(app: typer.Typer) -> None:
    app.command("check")(check)


__all__ = ["CheckFormat", "formatter_for", "register"]
