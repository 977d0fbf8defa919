"""Turning what came back into a verdict. Pure functions of an `Outcome`: easy to test."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from llmcat.linkcheck.fetch import PERMANENT_REDIRECTS, REDIRECTS, Outcome
from llmcat.linkcheck.model import Status, Verdict
from llmcat.linkcheck.urls import HubRef, hub_ref_from_api_path

GONE = frozenset({404, 410})
DENIED = frozenset({401, 403, 407})


def is_login_path(url: str) -> bool:
    return urlsplit(url).path.rstrip("/") in ("/login", "/join")


def permanent_target(outcome: Outcome) -> str | None:
    """Where the leading run of permanent redirects ends: the URL the card should hold."""
    target = None
    for index, hop in enumerate(outcome.hops[:-1]):
        if hop.status not in PERMANENT_REDIRECTS:
            break
        target = outcome.hops[index + 1].url
    return target


def _tries(outcome: Outcome) -> str:
    return f"{outcome.attempts} {'try' if outcome.attempts == 1 else 'tries'}"


def failure_verdict(outcome: Outcome, *, arxiv: bool = False) -> Verdict | None:
    """The verdict when the request got no usable answer, or None when it did."""
    # "Reached": some server answered, or at least accepted a connection (even if what it
    # sent was not HTTP). A run where nothing was reached had no network (exit 3).
    reached = outcome.reached or outcome.connected
    if outcome.invalid is not None:
        where = "a redirect points to " if outcome.hops else ""
        return Verdict(
            Status.broken,
            outcome.status,
            reason=f"{where}not a valid URL: {outcome.invalid}",
            reached=reached,
        )
    if not outcome.reached:
        return Verdict(Status.unverified, reason=outcome.error or "no answer", reached=reached)
    status = outcome.status
    if outcome.lost is not None:
        return Verdict(
            Status.unverified,
            status,
            reason=f"redirects to {outcome.lost}, which gave no answer: "
            f"{outcome.error or 'no answer'}",
        )
    if outcome.redirect_loop:
        return Verdict(
            Status.broken,
            status,
            outcome.final_url,
            reason="redirect loop back to a URL already visited",
        )
    if outcome.too_many_redirects:
        return Verdict(Status.broken, status, outcome.final_url, reason="too many redirects")
    assert status is not None
    if status == 403 and (arxiv or outcome.header("cf-mitigated")):
        wall = outcome.header("cf-mitigated")
        reason = (
            f"blocked by a bot wall (403, cf-mitigated: {wall})"
            if wall
            else "arXiv refused the request (403)"
        )
        return Verdict(Status.unverified, status, reason=reason)
    if status == 429:
        return Verdict(
            Status.unverified, status, reason=f"rate limited (429) after {_tries(outcome)}"
        )
    if status >= 500:
        return Verdict(
            Status.unverified, status, reason=f"server error ({status}) after {_tries(outcome)}"
        )
    if status == 408:
        return Verdict(
            Status.unverified, status, reason=f"request timeout (408) after {_tries(outcome)}"
        )
    return None


def page_verdict(outcome: Outcome, *, hub: bool = False, arxiv: bool = False) -> Verdict:
    """A web page (GitHub, blogs, Hub pages other than repos): did it resolve?"""
    failed = failure_verdict(outcome, arxiv=arxiv)
    if failed is not None:
        return failed
    status = outcome.status
    final = outcome.final_url
    assert status is not None and final is not None
    if hub and outcome.redirected and is_login_path(final):
        return Verdict(
            Status.broken, status, final, reason="redirects to the Hugging Face login page"
        )
    phrase = {404: "not found", 410: "gone"}.get(status, f"answers {status}")
    redirected_to = (
        f"redirects to {final}, which answers {status}" if outcome.redirected else phrase
    )
    if 200 <= status < 300:
        moved_to = permanent_target(outcome)
        if moved_to is not None:
            first = outcome.hops[0].status
            return Verdict(Status.moved, status, moved_to, reason=f"permanent redirect ({first})")
        return Verdict(Status.ok, status, final if outcome.redirected else None)
    if status in REDIRECTS:
        return Verdict(Status.unverified, status, reason=f"redirect ({status}) without a Location")
    if status in GONE:
        return Verdict(Status.broken, status, final, reason=redirected_to)
    if status in DENIED:
        return Verdict(Status.unverified, status, reason=f"access denied ({status})")
    if 400 <= status < 500:
        return Verdict(Status.broken, status, final, reason=redirected_to)
    return Verdict(Status.unverified, status, reason=f"unexpected answer ({status})")


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        return {}  # cut short or not JSON: the status alone decides
    return data if isinstance(data, dict) else {}


def hub_verdict(outcome: Outcome, ref: HubRef) -> Verdict:
    """A Hub API answer about a repo, collection, namespace or paper."""
    error_code = outcome.header("x-error-code")
    if outcome.reached and error_code == "GatedRepo":
        return Verdict(Status.ok, outcome.status, note="gated")
    failed = failure_verdict(outcome)
    if failed is not None:
        return failed
    status = outcome.status
    final = outcome.final_url
    assert status is not None and final is not None
    if outcome.redirected and is_login_path(final):
        return Verdict(Status.broken, status, reason="redirects to the Hugging Face login page")
    what = {
        "model": "model repo",
        "dataset": "dataset repo",
        "space": "Space",
        "collection": "collection",
        "namespace": "user or organisation",
        "paper": "paper page",
    }[ref.kind]
    if error_code == "RepoNotFound" or (status in GONE and not outcome.redirected):
        return Verdict(
            Status.broken, status, reason=f"no such {what} on the Hub (or it is private)"
        )
    if 200 <= status < 300:
        data = _json(outcome.body)
        gated = data.get("gated")
        note = "gated" if gated not in (None, False, "false", "") else None
        moved = None
        if outcome.redirected:
            moved = hub_ref_from_api_path(urlsplit(final).path, ref.kind)
        elif isinstance(data.get("id"), str) and ref.kind in ("model", "dataset", "space"):
            moved = HubRef(ref.kind, data["id"])
        if moved is not None and moved.name != ref.name:
            return Verdict(
                Status.moved, status, moved.web_url(), note=note, reason=f"now {moved.name}"
            )
        return Verdict(Status.ok, status, note=note)
    if status in GONE:
        return Verdict(Status.broken, status, reason=f"redirects to a {what} that answers {status}")
    if status in DENIED:
        return Verdict(Status.unverified, status, reason=f"access denied ({status})")
    if 400 <= status < 500:
        return Verdict(Status.broken, status, reason=f"the Hub answers {status}")
    return Verdict(Status.unverified, status, reason=f"unexpected answer ({status})")
