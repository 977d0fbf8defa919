"""One run of the link checker: cache, the three host checkers, and a clean stop on Ctrl-C."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING

from llmcat.linkcheck.arxiv import check_ids
from llmcat.linkcheck.config import CheckConfig
from llmcat.linkcheck.fetch import Fetcher
from llmcat.linkcheck.model import (
    INTERRUPTED_REASON,
    CheckReport,
    CheckResult,
    LinkKind,
    Status,
    Target,
    Verdict,
)
from llmcat.linkcheck.urls import HubRef, arxiv_id, hub_ref, kind_of, without_fragment
from llmcat.linkcheck.verdicts import hub_verdict, page_verdict

if TYPE_CHECKING:
    import httpx

    from llmcat.linkcheck.cache import VerdictCache

# Asked with HEAD first; these answers to HEAD are tried again with GET.
HEAD_REFUSED = frozenset({400, 401, 403, 404, 405, 406, 409, 501})
ResultCallback = Callable[[CheckResult], None]


async def check_page(fetcher: Fetcher, url: str) -> Verdict:
    """HEAD, then GET (reading a few KB at most) when HEAD is refused."""
    kind = kind_of(url)
    hub, arxiv = kind is LinkKind.huggingface, kind is LinkKind.arxiv
    outcome = await fetcher.fetch(url, method="HEAD")
    if outcome.reached and outcome.status in HEAD_REFUSED:
        refused = outcome.status
        outcome = await fetcher.fetch(url, method="GET", body_limit=fetcher.config.body_limit)
        if not outcome.reached:
            # Servers refuse HEAD for pages that exist: only the GET could have told.
            verdict = page_verdict(outcome, hub=hub, arxiv=arxiv)
            return verdict._replace(reason=f"HEAD answered {refused}; GET: {verdict.reason}")
    return page_verdict(outcome, hub=hub, arxiv=arxiv)


async def check_hub(fetcher: Fetcher, ref: HubRef) -> Verdict:
    """Ask the Hub API; a bare namespace may be an organisation or a user."""
    base = fetcher.config.hf_endpoint.rstrip("/")
    verdict = Verdict(Status.unverified, reason="not asked")
    for path in ref.api_paths():
        outcome = await fetcher.fetch(
            base + path,
            method="GET",
            body_limit=1_000_000,
            headers={"Accept": "application/json"},
        )
        verdict = hub_verdict(outcome, ref)
        if verdict.status is not Status.broken or outcome.status not in (401, 404):
            return verdict
    return verdict


class _Run:
    def __init__(
        self,
        targets: list[Target],
        fetcher: Fetcher,
        cache: VerdictCache | None,
        on_result: ResultCallback | None,
    ) -> None:
        self.targets = targets
        self.fetcher = fetcher
        self.cache = cache
        self.on_result = on_result
        self.results: dict[str, CheckResult] = {}

    def record(self, target: Target, verdict: Verdict, *, cached: bool = False) -> None:
        result = CheckResult.of(target, verdict, cached=cached)
        self.results[target.url] = result
        if self.cache is not None and not cached:
            self.cache.put(target.url, verdict)
        if self.on_result is not None:
            self.on_result(result)

    async def _hub(self, ref: HubRef, targets: list[Target]) -> None:
        verdict = await check_hub(self.fetcher, ref)
        for target in targets:
            self.record(target, verdict)

    async def _page(self, url: str, targets: list[Target]) -> None:
        verdict = await check_page(self.fetcher, url)
        for target in targets:
            self.record(target, verdict)

    async def _arxiv(self, by_id: dict[str, list[Target]]) -> None:
        def decided(paper_id: str, verdict: Verdict) -> None:
            for target in by_id[paper_id]:
                self.record(target, verdict)

        await check_ids(self.fetcher, list(by_id), decided)

    async def run(self) -> bool:
        """Check everything; True when interrupted."""
        # Two URLs naming one thing (a repo and its /tree/main page, a page and one of its
        # #anchors) share one request.
        by_hub_ref: dict[HubRef, list[Target]] = {}
        by_page: dict[str, list[Target]] = {}
        by_arxiv_id: dict[str, list[Target]] = {}
        for target in self.targets:
            cached = self.cache.get(target.url) if self.cache is not None else None
            if cached is not None:
                self.record(target, cached, cached=True)
                continue
            ref = hub_ref(target.url) if target.kind is LinkKind.huggingface else None
            paper_id = arxiv_id(target.url) if target.kind is LinkKind.arxiv else None
            if ref is not None:
                by_hub_ref.setdefault(ref, []).append(target)
            elif paper_id is not None:
                by_arxiv_id.setdefault(paper_id, []).append(target)
            else:
                by_page.setdefault(without_fragment(target.url), []).append(target)
        jobs: list[Callable[[], Awaitable[None]]] = []
        if by_arxiv_id:  # one long job at arXiv's pace: start it first
            jobs.append(partial(self._arxiv, by_arxiv_id))
        jobs += [partial(self._hub, ref, ts) for ref, ts in by_hub_ref.items()]
        jobs += [partial(self._page, url, ts) for url, ts in by_page.items()]
        tasks: list[asyncio.Future[None]] = []
        batch = max(16, self.fetcher.config.max_concurrency)
        try:
            for start in range(0, len(jobs), batch):
                tasks += [asyncio.ensure_future(job()) for job in jobs[start : start + batch]]
                # Let the first requests go out before the rest are queued: queuing a
                # thousand jobs at once held the first request back by ~40 ms.
                await asyncio.sleep(0)
            await asyncio.gather(*tasks)
        except asyncio.CancelledError:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            current = asyncio.current_task()
            if current is not None:
                current.uncancel()  # the interruption is handled: report what was checked
            return True
        return False


async def check_targets_async(
    targets: list[Target],
    config: CheckConfig,
    *,
    cache: VerdictCache | None = None,
    on_result: ResultCallback | None = None,
    transport_factory: Callable[..., httpx.AsyncBaseTransport] | None = None,
) -> CheckReport:
    """Check `targets`; on cancellation, stop and report what was decided so far."""
    fetcher = (
        Fetcher(config, transport_factory=transport_factory)
        if transport_factory
        else Fetcher(config)
    )
    run = _Run(targets, fetcher, cache, on_result)
    try:
        interrupted = await run.run()
    finally:
        await fetcher.aclose()
    results = tuple(
        run.results.get(target.url)
        or CheckResult.of(
            target, Verdict(Status.unverified, reason=INTERRUPTED_REASON, reached=False)
        )
        for target in targets
    )
    warnings: tuple[str, ...] = ()
    if cache is not None:
        cache.save()
        warnings = tuple(cache.warnings)
    return CheckReport(results, interrupted=interrupted, warnings=warnings)


def check_targets(
    targets: list[Target],
    config: CheckConfig,
    *,
    cache: VerdictCache | None = None,
    on_result: ResultCallback | None = None,
) -> CheckReport:
    """Blocking form of `check_targets_async`. The first Ctrl-C stops the run cleanly."""
    return asyncio.run(check_targets_async(targets, config, cache=cache, on_result=on_result))
