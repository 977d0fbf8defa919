"""Settings of one link check run. Every delay is a setting, so tests can make them small."""

from __future__ import annotations

from typing import NamedTuple

from llmcat.linkcheck.urls import ARXIV_API, HF_WEB, Remap


class CheckConfig(NamedTuple):
    max_concurrency: int = 32
    per_host_concurrency: int = 8
    per_host_interval: float = 0.0  # seconds between request starts to one host
    timeout: float = 20.0  # per request, connection to last byte read
    max_retries: int = 3  # after the first try, for 429, 5xx, timeouts and resets
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    retry_after_cap: float = 120.0  # no host is paused for longer than this at a time
    arxiv_interval: float = 3.0  # arXiv's terms: one request at a time, 3 s apart
    arxiv_batch_size: int = 100
    max_redirects: int = 10
    body_limit: int = 8192  # bytes read from a page answered to GET, at most
    remaps: tuple[Remap, ...] = ()
    hf_endpoint: str = HF_WEB
    hf_token: str | None = None
    github_token: str | None = None
    arxiv_api: str = ARXIV_API
    user_agent: str = "llmcat-linkcheck"

    def cache_context(self) -> str:
        """What besides the URL decides a verdict: a verdict from a mirror is not reused."""
        remaps = "\x1f".join(remap.describe() for remap in self.remaps)
        return f"{self.hf_endpoint.rstrip('/')}\x1e{self.arxiv_api}\x1e{remaps}"
