"""Plain-text renderings of a `CheckReport`: a table for pipes, JSON, GitHub workflow
commands, Markdown.

The Rich table (the default on a terminal) lives with the CLI, in `commands/check.py`.
Card text is untrusted: every URL and reason is escaped for the format it goes into.
"""

from __future__ import annotations

import os
from typing import ClassVar, Protocol, TextIO

from llmcat.linkcheck.model import CheckReport, CheckResult, Status, Target
from llmcat.render.formats import Column, markdown_escape, plain_table, to_json
from llmcat.render.text import safe_inline


class ReportFormatter(Protocol):
    name: ClassVar[str]

    def emit(self, report: CheckReport, out: TextIO, *, strict: bool = False) -> None: ...


def not_ok(report: CheckReport) -> list[CheckResult]:
    order = {Status.broken: 0, Status.moved: 1, Status.unverified: 2}
    failing = [r for r in report.results if r.status is not Status.ok]
    return sorted(failing, key=lambda r: order[r.status])


def detail(result: CheckResult) -> str:
    """One line saying what was found, for tables and annotations."""
    parts = []
    if result.http_status is not None:
        parts.append(f"HTTP {result.http_status}")
    if result.status is Status.moved and result.final_url:
        parts.append(f"now at {result.final_url}")
    if result.reason:
        parts.append(result.reason)
    if result.note:
        parts.append(result.note)
    return "; ".join(parts)


def summary_line(report: CheckReport) -> str:
    line = report.summary.one_line()
    cached = sum(1 for r in report.results if r.cached)
    if cached:
        line += f" ({cached} from the cache)"
    if report.interrupted:
        line += "; interrupted before the end"
    return line


REPORT_COLUMNS = (
    Column("status", "Status"),
    Column("url", "URL"),
    Column("found", "Found"),
    Column("uses", "Used in"),
)


class PlainReport:
    """`--format table` in a pipe: aligned plain text, one link a line, no URL cut."""

    name = "table"

    def emit(self, report: CheckReport, out: TextIO, *, strict: bool = False) -> None:
        rows = tuple(
            {
                "status": result.status.value,
                "url": result.url,
                "found": detail(result),
                "uses": "; ".join(f"{use.card} {use.field}" for use in result.uses),
            }
            for result in not_ok(report)
        )
        if rows:
            out.write(plain_table(REPORT_COLUMNS, rows))
        out.write(safe_inline(summary_line(report)) + "\n")


class JsonReport:
    name = "json"

    def emit(self, report: CheckReport, out: TextIO, *, strict: bool = False) -> None:
        out.write(to_json(report.to_dict(), one_line_from=2) + "\n")  # a result a line


def _annotation_data(text: str) -> str:
    # Workflow command escaping: the message part, then the property values.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _annotation_property(text: str) -> str:
    return _annotation_data(text).replace(":", "%3A").replace(",", "%2C")


def _relative(path: str) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if relative.startswith("..") else relative.replace(os.sep, "/")


class GithubReport:
    """`::error file=...,line=N::...` for each use of each broken link (warnings otherwise)."""

    name = "github"

    def emit(self, report: CheckReport, out: TextIO, *, strict: bool = False) -> None:
        for result in not_ok(report):
            level = "error" if result.status is Status.broken or strict else "warning"
            title = f"{result.status.value} link"
            message = f"{result.url} is {result.status.value}: {detail(result)}"
            for use in result.uses:
                props = [f"file={_annotation_property(_relative(use.file))}"]
                if use.line is not None:
                    props.append(f"line={use.line}")
                props.append(f"title={_annotation_property(title)}")
                text = _annotation_data(safe_inline(f"{use.field}: {message}"))
                out.write(f"::{level} {','.join(props)}::{text}\n")
        out.write(safe_inline(summary_line(report)) + "\n")


class MarkdownReport:
    """A section for a pull request comment or a job summary."""

    name = "markdown"

    def emit(self, report: CheckReport, out: TextIO, *, strict: bool = False) -> None:
        out.write("## Link check\n\n")
        out.write(markdown_escape(summary_line(report)) + "\n")
        failing = not_ok(report)
        if not failing:
            out.write("\nEvery link resolves.\n")
            return
        out.write("\n| Status | URL | Found | Used in |\n| --- | --- | --- | --- |\n")
        for result in failing:
            where = ", ".join(f"{u.card} ({u.field})" for u in result.uses)
            cells = (result.status.value, result.url, detail(result), where)
            out.write("| " + " | ".join(markdown_escape(c) for c in cells) + " |\n")


def dump_records(targets: list[Target]) -> list[dict[str, object]]:
    """What `--dump` shows: each URL that would be checked and where it is used."""
    return [
        {"url": t.url, "kind": t.kind.value, "uses": [u.to_dict() for u in t.uses]} for t in targets
    ]
