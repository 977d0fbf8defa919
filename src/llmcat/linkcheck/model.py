"""What the link checker works on and what it finds: small frozen objects, no I/O.

They are NamedTuples, as elsewhere in llmcat: a frozen dataclass costs ~1.5 ms to define,
and defining a dozen of them was a tenth of what `llmcat check` spends before its first
request.
"""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from typing import NamedTuple

from llmcat.errors import ExitStatus


class Status(StrEnum):
    """The verdict on one URL."""

    ok = "ok"  # it resolves
    moved = "moved"  # it resolves, somewhere else: the card should be updated
    broken = "broken"  # definitely gone
    unverified = "unverified"  # could not be decided (rate limits, bot walls, timeouts, ...)


DEFINITIVE = frozenset({Status.ok, Status.moved, Status.broken})


class LinkKind(StrEnum):
    """Which checker a URL goes to; also what `--only` selects."""

    huggingface = "huggingface"
    arxiv = "arxiv"
    github = "github"
    other = "other"


class Use(NamedTuple):
    """One place in the catalog that holds a URL."""

    card: str
    file: str
    field: str
    line: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {"card": self.card, "file": self.file, "field": self.field, "line": self.line}


class Target(NamedTuple):
    """One unique URL to check, and every place that uses it."""

    url: str
    kind: LinkKind
    uses: tuple[Use, ...]


class Verdict(NamedTuple):
    """What a host checker decided about one URL, before it is tied to the catalog."""

    status: Status
    http_status: int | None = None
    final_url: str | None = None
    note: str | None = None
    reason: str | None = None
    # Whether any HTTP answer came back at all; a run where none did had no network.
    reached: bool = True


class CheckResult(NamedTuple):
    """The verdict on one URL, with the cards and fields that use it."""

    url: str
    kind: LinkKind
    status: Status
    uses: tuple[Use, ...]
    http_status: int | None = None
    final_url: str | None = None
    note: str | None = None
    reason: str | None = None
    reached: bool = True
    cached: bool = False

    @classmethod
    def of(cls, target: Target, verdict: Verdict, *, cached: bool = False) -> CheckResult:
        return cls(
            url=target.url,
            kind=target.kind,
            status=verdict.status,
            uses=target.uses,
            http_status=verdict.http_status,
            final_url=verdict.final_url,
            note=verdict.note,
            reason=verdict.reason,
            reached=verdict.reached,
            cached=cached,
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "url": self.url,
            "kind": self.kind.value,
            "status": self.status.value,
            "http_status": self.http_status,
            "final_url": self.final_url,
            "note": self.note,
            "reason": self.reason,
            "cached": self.cached,
            "uses": [use.to_dict() for use in self.uses],
        }


class Summary(NamedTuple):
    total: int
    ok: int
    moved: int
    broken: int
    unverified: int

    def to_dict(self) -> dict[str, int]:
        return {
            "total": self.total,
            "ok": self.ok,
            "moved": self.moved,
            "broken": self.broken,
            "unverified": self.unverified,
        }

    def one_line(self) -> str:
        links = "link" if self.total == 1 else "links"
        return (
            f"{self.total} {links}: {self.ok} ok, {self.moved} moved, {self.broken} broken, "
            f"{self.unverified} unverified"
        )


class CheckReport(NamedTuple):
    """Everything one run found, in the order the URLs were collected."""

    results: tuple[CheckResult, ...]
    interrupted: bool = False
    warnings: tuple[str, ...] = ()

    def __repr__(self) -> str:
        # Short on purpose: asyncio.run formats the repr of its task's result when it puts
        # the SIGINT handler back (Python 3.11), and every result spelled out took 20 ms.
        return f"CheckReport({self.summary.one_line()!r}, interrupted={self.interrupted})"

    @property
    def summary(self) -> Summary:
        counts = Counter(result.status for result in self.results)
        return Summary(
            total=len(self.results),
            ok=counts[Status.ok],
            moved=counts[Status.moved],
            broken=counts[Status.broken],
            unverified=counts[Status.unverified],
        )

    @property
    def no_network(self) -> bool:
        """Something had to be asked over the network and no answer ever came back."""
        fresh = [r for r in self.results if not r.cached and r.reason != INTERRUPTED_REASON]
        unanswered = any(r.status is Status.unverified and not r.reached for r in fresh)
        return unanswered and not any(r.reached for r in fresh)

    def exit_status(self, *, strict: bool = False) -> ExitStatus:
        if self.no_network:
            return ExitStatus.NO_NETWORK
        failing = (
            {Status.broken} if not strict else {Status.broken, Status.moved, Status.unverified}
        )
        if any(result.status in failing for result in self.results):
            return ExitStatus.NEGATIVE
        return ExitStatus.OK

    def to_dict(self) -> dict[str, object]:
        return {
            "version": 1,
            "results": [result.to_dict() for result in self.results],
            "summary": self.summary.to_dict(),
            "interrupted": self.interrupted,
            "warnings": list(self.warnings),
        }


INTERRUPTED_REASON = "not checked: the run was interrupted"
