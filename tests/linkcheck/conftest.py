"""Fixtures: a small fake internet on 127.0.0.1, and a way to run the checker against it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fakehosts import FakeArxiv, FakeHost

from llmcat.linkcheck import CheckConfig, CheckResult, Remap, Target, Use
from llmcat.linkcheck.runner import check_targets_async
from llmcat.linkcheck.urls import kind_of


@dataclass
class World:
    hub: FakeHost
    arxiv: FakeHost
    github: FakeHost
    web: FakeHost  # every other host; the path is prefixed with the host name
    papers: FakeArxiv

    @property
    def remaps(self) -> tuple[Remap, ...]:
        return tuple(Remap.parse(text) for text in self.remap_args)

    @property
    def remap_args(self) -> list[str]:
        # The last rule catches every other host, so nothing ever leaves 127.0.0.1.
        return [
            rf"^https://(?:huggingface\.co|hf-mirror\.test)/ {self.hub.url}/",
            rf"^https://(?:export\.)?arxiv\.org/ {self.arxiv.url}/",
            rf"^https://github\.com/ {self.github.url}/",
            rf"^https?://([^/]+)/? {self.web.url}/\1/",
        ]

    def config(self, **changes: Any) -> CheckConfig:
        """Settings for tests: short timeouts and delays, the fake hosts remapped in."""
        base = CheckConfig(
            timeout=2.0,
            max_retries=2,
            backoff_base=0.01,
            backoff_cap=0.1,
            retry_after_cap=0.5,
            arxiv_interval=0.01,
            remaps=self.remaps,
        )
        return base._replace(**changes)

    def check(self, *urls: str, **changes: Any) -> dict[str, CheckResult]:
        """Check `urls` (as if each were in one card) and return the results by URL."""
        targets = [
            Target(url, kind_of(url), (Use("card", "catalog/models/card.toml", "sources", 1),))
            for url in urls
        ]
        report = asyncio.run(check_targets_async(targets, self.config(**changes)))
        return {result.url: result for result in report.results}


@pytest.fixture
def world() -> Iterator[World]:
    hosts = [FakeHost(name).start() for name in ("hub", "arxiv", "github", "web")]
    hub, arxiv, github, web = hosts
    papers = FakeArxiv(arxiv, {})
    try:
        yield World(hub, arxiv, github, web, papers)
    finally:
        for host in hosts:
            host.close()
