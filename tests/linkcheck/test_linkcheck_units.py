"""Small pieces of the link checker, without servers: parsing, pacing, verdict rules."""

from __future__ import annotations

import asyncio
import email.utils
import json
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmcat.errors import ExitStatus
from llmcat.linkcheck import CheckConfig, CheckReport, CheckResult, LinkKind, Remap, Status, Target
from llmcat.linkcheck.cache import VerdictCache
from llmcat.linkcheck.model import Verdict
from llmcat.linkcheck.pacing import HostGate, backoff_delay, parse_quota, parse_retry_after
from llmcat.linkcheck.runner import check_targets_async
from llmcat.linkcheck.urls import HubRef, apply_remaps, host_of, hub_ref, kind_of


def test_retry_after_in_seconds_or_as_an_http_date():
    assert parse_retry_after("7") == 7.0
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after(date, now=now) == pytest.approx(30, abs=1)
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_rate_limit_headers_in_their_three_dialects():
    assert parse_quota({"ratelimit": '"api";r=12;t=88'}) == (12, 88.0)
    assert parse_quota({"ratelimit-remaining": "3", "ratelimit-reset": "20"}) == (3, 20.0)
    now = 1_700_000_000.0
    github = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(now + 60))}
    assert parse_quota(github, now=now) == (0, 60.0)
    assert parse_quota({"content-type": "text/html"}) is None


def test_backoff_grows_exponentially_within_the_cap():
    delays = [backoff_delay(attempt, 1.0, 10.0) for attempt in range(6)]
    for attempt, delay in enumerate(delays):
        step = min(10.0, 2.0**attempt)
        assert step / 2 <= delay <= step


def test_host_gate_spaces_starts_and_pauses_the_whole_host():
    async def scenario() -> list[float]:
        gate = HostGate(concurrency=4, interval=0.05)
        loop = asyncio.get_running_loop()
        starts: list[float] = []

        async def one() -> None:
            async with gate.turn():
                starts.append(loop.time())

        await asyncio.gather(*(one() for _ in range(3)))
        gate.pause(0.2)
        paused_at = loop.time()
        await one()
        starts.append(starts.pop() - paused_at)
        return starts

    starts = asyncio.run(scenario())
    assert starts[1] - starts[0] >= 0.045 and starts[2] - starts[1] >= 0.045
    assert starts[3] >= 0.19  # the request after the pause waited it out


def test_remap_first_match_wins_and_bad_rules_are_refused():
    remaps = (Remap.parse(r"^https://a\.test/ http://127.0.0.1:1/"), Remap.parse(r"^https:// x"))
    assert apply_remaps("https://a.test/p%2Fq", remaps) == "http://127.0.0.1:1/p%2Fq"
    assert apply_remaps("https://b.test/", remaps) == "xb.test/"
    for bad in ("no-replacement", "( x"):
        with pytest.raises(ValueError):
            Remap.parse(bad)


@pytest.mark.parametrize(
    ("url", "ref"),
    [
        (
            "https://huggingface.co/meta-llama/Llama-2-7b-hf",
            HubRef("model", "meta-llama/Llama-2-7b-hf"),
        ),
        (
            "https://huggingface.co/meta-llama/Llama-2-7b-hf/tree/main",
            HubRef("model", "meta-llama/Llama-2-7b-hf"),
        ),
        ("https://huggingface.co/datasets/cais/mmlu", HubRef("dataset", "cais/mmlu")),
        ("https://huggingface.co/datasets/gsm8k", HubRef("dataset", "gsm8k")),
        ("https://huggingface.co/spaces/lmsys/arena", HubRef("space", "lmsys/arena")),
        (
            "https://huggingface.co/collections/google/gemma-65d5",
            HubRef("collection", "google/gemma-65d5"),
        ),
        ("https://huggingface.co/tiiuae", HubRef("namespace", "tiiuae")),
        ("https://hf.co/papers/2307.09288", HubRef("paper", "2307.09288")),
        ("https://huggingface.co/blog/falcon-180b", None),
        ("https://huggingface.co/docs/hub", None),
        ("https://huggingface.co/", None),
    ],
)
def test_hub_urls_name_repos_collections_and_namespaces(url, ref):
    assert hub_ref(url) == ref


def test_link_kinds():
    assert kind_of("https://huggingface.co/x/y") is LinkKind.huggingface
    assert kind_of("https://export.arxiv.org/abs/2307.09288") is LinkKind.arxiv
    assert kind_of("https://raw.githubusercontent.com/a/b/main/README.md") is LinkKind.github
    assert kind_of("https://ai.meta.com/blog/") is LinkKind.other


def _report(*statuses: Status, reached: bool = True, cached: bool = False) -> CheckReport:
    return CheckReport(
        tuple(
            CheckResult(
                f"https://x.test/{i}", LinkKind.other, s, (), reached=reached, cached=cached
            )
            for i, s in enumerate(statuses)
        )
    )


def test_exit_status_rules():
    assert _report(Status.ok, Status.moved, Status.unverified).exit_status() is ExitStatus.OK
    assert _report(Status.ok, Status.broken).exit_status() is ExitStatus.NEGATIVE
    assert _report(Status.moved).exit_status(strict=True) is ExitStatus.NEGATIVE
    assert _report(Status.unverified).exit_status(strict=True) is ExitStatus.NEGATIVE
    assert _report(Status.unverified, reached=False).exit_status() is ExitStatus.NO_NETWORK
    assert _report().exit_status() is ExitStatus.OK  # nothing to check is not a failure
    assert _report(Status.ok, cached=True, reached=False).exit_status() is ExitStatus.OK


def test_cache_stores_definitive_verdicts_and_expires_them(tmp_path):
    path = tmp_path / "links.json"
    cache = VerdictCache(path, "ctx", max_age=100, now=1000.0)
    cache.put("https://a.test/", Verdict(Status.broken, 404))
    cache.put("https://b.test/", Verdict(Status.unverified, 503, reason="down"))
    cache.save()
    again = VerdictCache(path, "ctx", max_age=100, now=1050.0)
    assert again.get("https://a.test/") == Verdict(Status.broken, 404)
    assert again.get("https://b.test/") is None
    assert (
        VerdictCache(path, "other mirror", max_age=100, now=1050.0).get("https://a.test/") is None
    )
    assert VerdictCache(path, "ctx", max_age=100, now=1200.0).get("https://a.test/") is None


@pytest.mark.parametrize("text", ["[]", '{"format": 1}', '{"format": 1, "contexts": [1]}', "\x00"])
def test_corrupt_caches_warn_and_start_empty(tmp_path, text):
    path = tmp_path / "links.json"
    path.write_text(text)
    cache = VerdictCache(path, "ctx", max_age=100)
    assert cache.warnings and "ignoring" in cache.warnings[0]
    assert cache.get("https://a.test/") is None
    cache.put("https://a.test/", Verdict(Status.ok, 200))
    cache.save()
    assert json.loads(path.read_text())["format"] == 1


def test_head_not_implemented_falls_back_to_get_through_a_mock_transport():
    methods: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        methods.append(request.method)
        return httpx.Response(501 if request.method == "HEAD" else 200)

    def factory(**_: object) -> httpx.AsyncBaseTransport:
        return httpx.MockTransport(handler)

    target = Target("https://site.test/page", LinkKind.other, ())
    report = asyncio.run(check_targets_async([target], CheckConfig(), transport_factory=factory))
    assert report.results[0].status is Status.ok
    assert methods == ["HEAD", "GET"]


def test_the_first_request_goes_out_before_every_job_is_queued():
    tasks_at_first_request: list[int] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        if not tasks_at_first_request:
            tasks_at_first_request.append(len(asyncio.all_tasks()))
        return httpx.Response(200)

    def factory(**_: object) -> httpx.AsyncBaseTransport:
        return httpx.MockTransport(handler)

    targets = [Target(f"https://site.test/{i}", LinkKind.other, ()) for i in range(1000)]
    config = CheckConfig(max_concurrency=16)
    report = asyncio.run(check_targets_async(targets, config, transport_factory=factory))
    assert report.summary.ok == 1000
    # Jobs are queued a batch at a time; queuing all of them first delayed the first request.
    assert tasks_at_first_request[0] <= 2 * 16 + 1


def test_a_report_has_a_short_repr_however_many_results_it_holds():
    result = CheckResult.of(Target("https://a.test/", LinkKind.other, ()), Verdict(Status.ok, 200))
    report = CheckReport((result,) * 5000)
    assert (
        repr(report)
        == "CheckReport('5000 links: 5000 ok, 0 moved, 0 broken, 0 unverified', interrupted=False)"
    )


_URL_PARTS = st.tuples(
    st.sampled_from(["http", "HTTPS", "git+ssh", "h", ""]),
    st.sampled_from(["://", ":/", ":", "//", ""]),
    st.from_regex(r"[A-Za-z0-9.\-@:\[\]%_~ ]{0,16}", fullmatch=True),
    st.from_regex(r"([/?#\\][ -~]{0,8})?", fullmatch=True),
)


@given(_URL_PARTS.map("".join))
def test_host_of_agrees_with_urlsplit(url: str) -> None:
    try:
        expected = (urlsplit(url).hostname or "").lower()
    except ValueError:  # urlsplit refuses it (an unclosed bracket): no host at all
        expected = ""
    assert host_of.__wrapped__(url) == expected


def test_a_compressed_body_is_inflated_only_as_far_as_the_limit():
    import gzip
    import tracemalloc

    from llmcat.linkcheck.fetch import read_some

    bomb = gzip.compress(b"\0" * 200_000_000)  # 200 MB of zeros, ~200 KB on the wire

    async def read() -> bytes:
        response = httpx.Response(
            200, headers={"content-encoding": "gzip"}, stream=httpx.ByteStream(bomb)
        )
        return await read_some(response, 8192)

    tracemalloc.start()
    try:
        body = asyncio.run(read())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert body == b"\0" * 8192
    assert peak < 20_000_000  # httpx's own decoding held whole inflated chunks


def test_bodies_in_a_coding_never_asked_for_are_not_read():
    from llmcat.linkcheck.fetch import read_some

    async def read(encoding: str) -> bytes:
        response = httpx.Response(
            200, headers={"content-encoding": encoding}, stream=httpx.ByteStream(b"xyz")
        )
        return await read_some(response, 100)

    assert asyncio.run(read("br")) == b""
    assert asyncio.run(read("gzip, gzip")) == b""
    assert asyncio.run(read("identity")) == b"xyz"
