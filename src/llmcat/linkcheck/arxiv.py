"""arXiv: many ids per API request, one request at a time, and a second look at gaps.

The API answers a well-formed id that does not exist with an empty feed, not an error,
and sometimes answers an existing id that way too. So an id missing from an answer is
looked up once more, on its abstract page, before it is called broken.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import NamedTuple
from urllib.parse import quote

from llmcat.linkcheck.fetch import Fetcher
from llmcat.linkcheck.model import Status, Verdict
from llmcat.linkcheck.urls import ARXIV_ABS, arxiv_base_id
from llmcat.linkcheck.verdicts import GONE, failure_verdict

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_ABS_ID = re.compile(r"/abs/(?P<id>.+)$")
_WITHDRAWN = re.compile(
    r"\b(?:has been|been|was|is) withdrawn\b|\bwithdrawn by\b|^\s*withdrawn\b", re.I
)
FEED_LIMIT = 32 * 1024 * 1024  # a feed of 100 abstracts is well under 1 MB


class FeedEntry(NamedTuple):
    paper_id: str  # with its version, as the API gives it
    withdrawn: bool


class FeedError(ValueError):
    """The answer was not an arXiv Atom feed, or the feed reports an error."""


def parse_feed(body: bytes) -> list[FeedEntry]:
    import xml.etree.ElementTree as ET  # only a run with arXiv links needs it

    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise FeedError(f"unreadable feed: {exc}") from None
    if root.tag != f"{_ATOM}feed":
        raise FeedError("the answer is not an Atom feed")
    entries = []
    for entry in root.iter(f"{_ATOM}entry"):
        id_text = (entry.findtext(f"{_ATOM}id") or "").strip()
        if "/api/errors" in id_text:
            summary = (entry.findtext(f"{_ATOM}summary") or "").strip()
            raise FeedError(f"the API reports an error: {summary or id_text}")
        match = _ABS_ID.search(id_text)
        if not match:
            continue
        comment = entry.findtext(f"{_ARXIV}comment") or ""
        summary = entry.findtext(f"{_ATOM}summary") or ""
        withdrawn = bool(_WITHDRAWN.search(comment) or _WITHDRAWN.search(summary[:300]))
        entries.append(FeedEntry(match["id"], withdrawn))
    return entries


def match_entries(requested: Iterable[str], entries: list[FeedEntry]) -> dict[str, FeedEntry]:
    """Requested ids found in a feed; an unversioned id matches any version of it."""
    exact = {entry.paper_id: entry for entry in entries}
    by_base = {arxiv_base_id(entry.paper_id): entry for entry in entries}
    found = {}
    for paper_id in requested:
        entry = exact.get(paper_id)
        if entry is None and paper_id == arxiv_base_id(paper_id):
            entry = by_base.get(paper_id)
        if entry is not None:
            found[paper_id] = entry
    return found


def query_url(api: str, ids: list[str]) -> str:
    joined = ",".join(quote(paper_id, safe="/.") for paper_id in ids)
    return f"{api}?id_list={joined}&max_results={len(ids)}"


async def check_ids(
    fetcher: Fetcher, ids: list[str], on_verdict: Callable[[str, Verdict], None]
) -> None:
    """Decide every id, calling `on_verdict` as each one is known."""
    config = fetcher.config
    size = max(1, config.arxiv_batch_size)
    missing: list[str] = []
    for start in range(0, len(ids), size):
        batch = ids[start : start + size]
        outcome = await fetcher.fetch(
            query_url(config.arxiv_api, batch), method="GET", body_limit=FEED_LIMIT
        )
        failed = failure_verdict(outcome, arxiv=True)
        if failed is None and outcome.status != 200:
            failed = Verdict(
                Status.unverified,
                outcome.status,
                reason=f"the arXiv API answers {outcome.status}",
            )
        if failed is not None:
            for paper_id in batch:
                on_verdict(paper_id, failed)
            continue
        try:
            found = match_entries(batch, parse_feed(outcome.body))
        except FeedError:
            found = {}  # every id gets its second look below
        for paper_id in batch:
            entry = found.get(paper_id)
            if entry is None:
                missing.append(paper_id)
            else:
                note = "withdrawn" if entry.withdrawn else None
                on_verdict(paper_id, Verdict(Status.ok, 200, note=note))
    for paper_id in missing:
        on_verdict(paper_id, await confirm_missing(fetcher, paper_id))


async def confirm_missing(fetcher: Fetcher, paper_id: str) -> Verdict:
    """An id the API did not return: its abstract page decides."""
    outcome = await fetcher.fetch(ARXIV_ABS + paper_id, method="GET", body_limit=1024)
    failed = failure_verdict(outcome, arxiv=True)
    if failed is not None:
        return failed
    if outcome.status in GONE:
        return Verdict(
            Status.broken,
            outcome.status,
            reason="no such arXiv id: not in the API's answer, and its abstract page answers "
            f"{outcome.status}",
        )
    if outcome.status == 200:
        return Verdict(
            Status.ok, 200, reason="missing from the API's answer; its abstract page resolves"
        )
    return Verdict(
        Status.unverified,
        outcome.status,
        reason=f"missing from the API's answer; its abstract page answers {outcome.status}",
    )
