"""The link checker behind `llmcat check`. Knows the Hub, arXiv and the rest of the web.

Nothing here knows Typer or Rich: `collect_targets` finds the URLs of a catalog,
`check_targets` decides a `CheckResult` for each one, and the CLI prints the `CheckReport`.
httpx (and the transport under it) is imported only when a check actually runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmcat.linkcheck.collect import collect_targets, select_targets
from llmcat.linkcheck.config import CheckConfig
from llmcat.linkcheck.model import (
    CheckReport,
    CheckResult,
    LinkKind,
    Status,
    Summary,
    Target,
    Use,
    Verdict,
)
from llmcat.linkcheck.urls import Remap

if TYPE_CHECKING:
    from llmcat.linkcheck.cache import VerdictCache

__all__ = [
    "CheckConfig",
    "CheckReport",
    "CheckResult",
    "LinkKind",
    "Remap",
    "Status",
    "Summary",
    "Target",
    "Use",
    "Verdict",
    "check_targets",
    "collect_targets",
    "open_cache",
    "select_targets",
]


def check_targets(targets: list[Target], config: CheckConfig, **kwargs: Any) -> CheckReport:
    """Check every target (blocking); see `llmcat.linkcheck.runner.check_targets`."""
    from llmcat.linkcheck.runner import check_targets as run

    return run(targets, config, **kwargs)


def open_cache(config: CheckConfig, max_age: float) -> VerdictCache:
    from llmcat.linkcheck.cache import VerdictCache, default_cache_path

    return VerdictCache(default_cache_path(), config.cache_context(), max_age)
