"""Exit codes and the problems a catalog can have, kept apart from how they are printed."""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple


class ExitStatus(IntEnum):
    """What the process exit code means; documented in the README."""

    OK = 0
    NEGATIVE = 1  # the answer is "no": no such model, broken links, problems found
    USAGE = 2  # bad arguments or an unreadable catalog
    NO_NETWORK = 3  # `check` could not check anything at all
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)


class Problem(NamedTuple):
    """One thing wrong with one card, located as precisely as the TOML text allows."""

    path: str
    line: int | None = None
    column: int | None = None
    key: str | None = None
    message: str = ""
    severity: str = "error"  # or "warning"

    @property
    def sort_key(self) -> tuple[str, int, int]:
        return (self.path, self.line or 0, self.column or 0)

    def location(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def one_line(self) -> str:
        """`path:line:column: message`, the form editors and CI understand."""
        text = self.message if not self.key else f"{self.key}: {self.message}"
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.location()}: {prefix}{text}"


class CatalogError(Exception):
    """A catalog could not be read; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: p.sort_key)
        super().__init__("\n".join(p.one_line() for p in self.problems))


class UsageError(Exception):
    """The user asked for something that cannot be understood (exit code 2)."""
