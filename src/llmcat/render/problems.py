"""Problem lists as text, GitHub workflow annotations or JSON: one class per `--format`.

Problems quote card text (keys, values, URLs), which is untrusted: every format escapes
control characters, and the GitHub one also the characters that end an annotation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import ClassVar, Protocol, TextIO

from llmcat.errors import Problem
from llmcat.render.formats import to_json
from llmcat.render.text import safe_inline


class ProblemFormat(StrEnum):
    text = "text"
    github = "github"
    json = "json"


def _printable(text: object) -> str:
    # File names read from disk may hold lone surrogates (undecodable bytes); show them.
    return safe_inline(text).encode("utf-8", "backslashreplace").decode("utf-8")


class ProblemFormatter(Protocol):
    name: ClassVar[ProblemFormat]

    def emit(self, problems: Sequence[Problem], out: TextIO) -> None: ...


class TextFormatter:
    """`path:line:column: key: message`, one a line, as compilers print them."""

    name = ProblemFormat.text

    def emit(self, problems: Sequence[Problem], out: TextIO) -> None:
        for problem in problems:
            out.write(_printable(problem.one_line()) + "\n")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubFormatter:
    """`::error file=...,line=...::message`, shown by GitHub Actions on the pull request."""

    name = ProblemFormat.github

    def emit(self, problems: Sequence[Problem], out: TextIO) -> None:
        for problem in problems:
            command = "warning" if problem.severity == "warning" else "error"
            props = [f"file={_escape_property(_printable(problem.path))}"]
            if problem.line is not None:
                props.append(f"line={problem.line}")
                if problem.column is not None:
                    props.append(f"col={problem.column}")
            props.append("title=llmcat validate")
            text = problem.message if not problem.key else f"{problem.key}: {problem.message}"
            out.write(f"::{command} {','.join(props)}::{_escape_data(_printable(text))}\n")


class JsonFormatter:
    """A list of problems, each with path, line, column, key, message and severity."""

    name = ProblemFormat.json

    def emit(self, problems: Sequence[Problem], out: TextIO) -> None:
        records = [
            {
                "path": _printable(p.path),
                "line": p.line,
                "column": p.column,
                "key": p.key,
                "message": p.message,
                "severity": p.severity,
            }
            for p in problems
        ]
        out.write(to_json(records) + "\n")


PROBLEM_FORMATTERS: dict[ProblemFormat, Callable[[], ProblemFormatter]] = {
    cls.name: cls for cls in (TextFormatter, GithubFormatter, JsonFormatter)
}


def emit_problems(problems: Sequence[Problem], fmt: ProblemFormat, out: TextIO) -> None:
    PROBLEM_FORMATTERS[fmt]().emit(problems, out)


def summary(errors: int, warnings: int, files: int) -> str:
    """`3 errors, 1 warning in 20 files`, or `20 files, no problems`."""

    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'s' if n != 1 else ''}"

    if not errors and not warnings:
        return f"{plural(files, 'file')} checked, no problems"
    return f"{plural(errors, 'error')}, {plural(warnings, 'warning')} in {plural(files, 'file')}"
