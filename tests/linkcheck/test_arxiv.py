"""arXiv links: ids parsed from URLs, asked in batches of the API, paced, and confirmed."""

from __future__ import annotations

import itertools

import pytest
from fakehosts import Reply

from llmcat.linkcheck import Status
from llmcat.linkcheck.arxiv import FeedError, parse_feed
from llmcat.linkcheck.urls import arxiv_id

ABS = "https://arxiv.org/abs/"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/abs/2307.09288", "2307.09288"),
        ("https://arxiv.org/abs/2307.09288v2", "2307.09288v2"),
        ("https://arxiv.org/pdf/2307.09288v2.pdf", "2307.09288v2"),
        ("https://arxiv.org/pdf/2307.09288", "2307.09288"),
        ("https://www.arxiv.org/abs/1501.00001/", "1501.00001"),
        ("https://arxiv.org/abs/arXiv:2106.09685", "2106.09685"),
        ("https://arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
        ("https://arxiv.org/pdf/math.GT/0309136v1", "math.GT/0309136v1"),
        ("https://export.arxiv.org/abs/cs/0112017", "cs/0112017"),
        ("https://arxiv.org/list/cs.CL/recent", None),
        ("https://arxiv.org/abs/2313.00001", None),  # no 13th month
        ("https://example.org/abs/2307.09288", None),
    ],
)
def test_arxiv_ids_are_read_from_abs_and_pdf_urls(url, expected):
    assert arxiv_id(url) == expected


def test_feed_errors_are_not_taken_for_empty_answers():
    error_feed = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        b"<id>http://arxiv.org/api/errors#incorrect_id_format_for_1234</id>"
        b"<summary>incorrect id format for 1234</summary></entry></feed>"
    )
    with pytest.raises(FeedError, match="incorrect id format"):
        parse_feed(error_feed)
    with pytest.raises(FeedError):
        parse_feed(b"<html>Rate exceeded.</html")


def test_ids_are_asked_many_per_request(world):
    world.papers.papers.update({f"2401.0000{i}": (1, "") for i in range(1, 6)})
    urls = [f"{ABS}2401.0000{i}" for i in range(1, 6)]
    results = world.check(*urls, "https://arxiv.org/pdf/2401.00001v1.pdf")
    assert {r.status for r in results.values()} == {Status.ok}
    (query,) = world.arxiv.requests(r"/api/query\?.*")
    asked = query.query["id_list"][0].split(",")
    assert sorted(asked) == sorted(
        ["2401.00001", "2401.00002", "2401.00003", "2401.00004", "2401.00005", "2401.00001v1"]
    )


def test_old_style_and_versioned_ids(world):
    world.papers.papers.update({"hep-th/9901001": (2, ""), "2307.09288": (2, "")})
    results = world.check(
        f"{ABS}hep-th/9901001", "https://arxiv.org/pdf/2307.09288v2", f"{ABS}2307.09288v7"
    )
    assert results[f"{ABS}hep-th/9901001"].status is Status.ok
    assert results["https://arxiv.org/pdf/2307.09288v2"].status is Status.ok
    # Version 7 does not exist: missing from the answer, and its abstract page is a 404.
    assert results[f"{ABS}2307.09288v7"].status is Status.broken
    assert world.arxiv.requests(r"/abs/2307\.09288v7")


def test_withdrawn_paper_is_ok_with_a_note(world):
    world.papers.papers["2101.00010"] = (2, "This paper has been withdrawn by the author")
    result = world.check(f"{ABS}2101.00010")[f"{ABS}2101.00010"]
    assert (result.status, result.note) == (Status.ok, "withdrawn")


def test_missing_id_is_confirmed_on_the_abstract_page_before_broken(world):
    world.papers.papers["2402.00001"] = (1, "")
    results = world.check(f"{ABS}2402.00001", f"{ABS}2402.99999")
    assert results[f"{ABS}2402.00001"].status is Status.ok
    missing = results[f"{ABS}2402.99999"]
    assert missing.status is Status.broken
    assert "no such arXiv id" in (missing.reason or "")
    assert [s.path for s in world.arxiv.requests(r"/abs/.*")] == ["/abs/2402.99999"]


def test_existing_id_answered_with_an_empty_feed_is_not_broken(world):
    world.papers.papers["2403.00001"] = (1, "")
    world.papers.api_forgets.add("2403.00001")
    result = world.check(f"{ABS}2403.00001")[f"{ABS}2403.00001"]
    assert result.status is Status.ok
    assert world.arxiv.requests(r"/abs/2403\.00001")


def test_any_403_from_arxiv_is_unverified(world):
    world.arxiv.route(r"/api/query\?.*", Reply(403, body=b"Forbidden"))
    world.arxiv.route(r"/list/.*", Reply(403, body=b"Forbidden"))
    results = world.check(f"{ABS}2404.00001", "https://arxiv.org/list/cs.CL/recent")
    assert {r.status for r in results.values()} == {Status.unverified}
    assert all("403" in (r.reason or "") for r in results.values())


def test_429_without_retry_after_backs_off_at_least_the_arxiv_interval(world):
    world.papers.papers["2405.00001"] = (1, "")
    world.arxiv.route(
        r"/api/query\?.*",
        lambda seen: Reply(429) if len(world.arxiv.seen) <= 2 else world.papers.answer_query(seen),
    )
    result = world.check(f"{ABS}2405.00001", arxiv_interval=0.1, backoff_base=0.01)[
        f"{ABS}2405.00001"
    ]
    assert result.status is Status.ok
    starts = [s.started for s in world.arxiv.seen]
    assert len(starts) == 3
    assert all(b - a >= 0.05 for a, b in itertools.pairwise(starts))


def test_arxiv_is_asked_one_request_at_a_time_three_seconds_apart_on_one_connection(world):
    # The real pace: arXiv's terms ask for one request at a time, at least 3 s apart.
    world.papers.papers.update({"2406.00001": (1, ""), "2406.00002": (1, "")})
    world.arxiv.route(r"/list/cs\.CL/recent", Reply(200, body=b"<html>list</html>"))
    results = world.check(
        f"{ABS}2406.00001",
        f"{ABS}2406.00002",
        "https://arxiv.org/list/cs.CL/recent",
        arxiv_interval=3.0,
        arxiv_batch_size=1,
        per_host_concurrency=8,
    )
    assert {r.status for r in results.values()} == {Status.ok}
    spans = sorted((seen.started, end) for seen, end in world.arxiv.settled())
    assert len(spans) == 3
    for (_, end), (next_start, _) in itertools.pairwise(spans):
        assert next_start - end >= 3.0  # never two in flight, and 3 s from the last answer
    assert len({s.client_port for s in world.arxiv.seen}) == 1  # one connection
