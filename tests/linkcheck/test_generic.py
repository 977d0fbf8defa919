"""Other hosts (GitHub, blogs): HEAD then GET, redirects, retries and faulty servers."""

from __future__ import annotations

import time

from fakehosts import Reply, redirect

from llmcat.linkcheck import Status

SITE = "https://blog.example.org"


def test_head_is_enough_when_it_works(world):
    world.web.route(r"/blog\.example\.org/post", Reply(200))
    result = world.check(f"{SITE}/post")[f"{SITE}/post"]
    assert (result.status, result.http_status) == (Status.ok, 200)
    assert [s.method for s in world.web.seen] == ["HEAD"]


def test_head_refused_falls_back_to_get(world):
    world.web.route(r"/blog\.example\.org/nohead", Reply(405), methods=["HEAD"])
    world.web.route(r"/blog\.example\.org/nohead", Reply(200, body=b"hello"), methods=["GET"])
    result = world.check(f"{SITE}/nohead")[f"{SITE}/nohead"]
    assert result.status is Status.ok
    assert [s.method for s in world.web.seen] == ["HEAD", "GET"]


def test_404_and_410_are_broken(world):
    world.web.route(r"/blog\.example\.org/gone", Reply(410))
    results = world.check(f"{SITE}/missing", f"{SITE}/gone")
    assert results[f"{SITE}/missing"].status is Status.broken
    assert results[f"{SITE}/missing"].http_status == 404
    assert results[f"{SITE}/gone"].status is Status.broken


def test_permanent_redirect_is_moved_with_the_new_location(world):
    world.web.route(r"/blog\.example\.org/old", redirect("/new", 301))
    world.web.route(r"/blog\.example\.org/new", Reply(200))
    result = world.check(f"{SITE}/old")[f"{SITE}/old"]
    assert result.status is Status.moved
    assert result.final_url == f"{SITE}/new"


def test_temporary_redirect_is_ok(world):
    world.web.route(r"/blog\.example\.org/latest", redirect("/2026/post", 302))
    world.web.route(r"/blog\.example\.org/2026/post", Reply(200))
    result = world.check(f"{SITE}/latest")[f"{SITE}/latest"]
    assert (result.status, result.final_url) == (Status.ok, f"{SITE}/2026/post")


def test_301_to_a_404_is_broken(world):
    world.web.route(r"/blog\.example\.org/was", redirect("https://other.example.org/now", 301))
    result = world.check(f"{SITE}/was")[f"{SITE}/was"]
    assert result.status is Status.broken
    assert result.http_status == 404
    assert "redirects to https://other.example.org/now" in (result.reason or "")
    assert world.web.requests(r"/other\.example\.org/now")


def test_redirect_loop_is_broken(world):
    world.web.route(r"/blog\.example\.org/a", redirect("/b", 302))
    world.web.route(r"/blog\.example\.org/b", redirect("/a", 302))
    result = world.check(f"{SITE}/a")[f"{SITE}/a"]
    assert result.status is Status.broken
    assert "loop" in (result.reason or "")


def test_more_than_ten_redirects_is_broken(world):
    world.web.route(
        r"/blog\.example\.org/hop/(\d+)",
        lambda seen: redirect(f"/hop/{int(seen.path.rsplit('/', 1)[1]) + 1}", 302),
    )
    result = world.check(f"{SITE}/hop/0")[f"{SITE}/hop/0"]
    assert result.status is Status.broken
    assert "too many redirects" in (result.reason or "")
    assert len(world.web.seen) == 11


def test_503_then_200_is_ok_after_a_retry(world):
    world.web.sequence(r"/blog\.example\.org/flaky", Reply(503), Reply(200))
    result = world.check(f"{SITE}/flaky")[f"{SITE}/flaky"]
    assert result.status is Status.ok
    assert len(world.web.seen) == 2


def test_5xx_after_the_retries_is_unverified(world):
    world.web.route(r"/blog\.example\.org/down", Reply(502))
    result = world.check(f"{SITE}/down", max_retries=2)[f"{SITE}/down"]
    assert result.status is Status.unverified
    assert "502" in (result.reason or "") and "3 tries" in (result.reason or "")
    assert len(world.web.seen) == 3


def test_connection_reset_is_retried_then_unverified(world):
    world.web.route(r"/blog\.example\.org/reset", Reply(action="reset"))
    world.web.sequence(r"/blog\.example\.org/reset-once", Reply(action="reset"), Reply(200))
    results = world.check(f"{SITE}/reset", f"{SITE}/reset-once", max_retries=1)
    reset = results[f"{SITE}/reset"]
    assert reset.status is Status.unverified
    assert "reset" in (reset.reason or "")
    assert results[f"{SITE}/reset-once"].status is Status.ok
    # Two tries; the transport may also resend once on its own, when a kept-alive connection
    # is reset before any answer (the server may have closed it while it was idle).
    assert 2 <= len(world.web.requests(r"/blog\.example\.org/reset")) <= 4


def test_a_hang_past_the_timeout_is_unverified(world):
    world.web.route(r"/blog\.example\.org/hang", Reply(action="hang"))
    started = time.monotonic()
    result = world.check(f"{SITE}/hang", timeout=0.3, max_retries=1)[f"{SITE}/hang"]
    elapsed = time.monotonic() - started
    assert result.status is Status.unverified
    assert "timed out" in (result.reason or "")
    assert result.reached  # the server took the connection: there is a network
    assert 0.6 <= elapsed < 3.0  # two tries of 0.3 s, and no waiting for the server


def test_a_200_mb_body_is_not_read(world):
    size = 200 * 1024 * 1024
    world.web.route(r"/blog\.example\.org/huge", Reply(405), methods=["HEAD"])
    world.web.route(
        r"/blog\.example\.org/huge", Reply(200, action="stream", stream_size=size), methods=["GET"]
    )
    result = world.check(f"{SITE}/huge")[f"{SITE}/huge"]
    assert result.status is Status.ok
    # The server stops when the client hangs up; socket buffers hold a few MB at most.
    deadline = time.monotonic() + 5
    while "/blog.example.org/huge" not in world.web.streamed and time.monotonic() < deadline:
        world.web.stop.wait(0.01)
    assert world.web.streamed["/blog.example.org/huge"] < 16 * 1024 * 1024


def test_403_with_cf_mitigated_is_a_bot_wall(world):
    world.web.route(r"/blog\.example\.org/walled", Reply(403, {"cf-mitigated": "challenge"}))
    result = world.check(f"{SITE}/walled")[f"{SITE}/walled"]
    assert result.status is Status.unverified
    assert "bot wall" in (result.reason or "")


def test_the_path_is_sent_exactly_as_written(world):
    url = f"{SITE}/files/a%2Fb%23c.txt?ref=x%2Fy#part"
    world.web.route(r"/blog\.example\.org/files/.*", Reply(200))
    assert world.check(url)[url].status is Status.ok
    assert [s.path for s in world.web.seen] == ["/blog.example.org/files/a%2Fb%23c.txt?ref=x%2Fy"]


def test_github_token_goes_to_github_only_not_after_a_cross_host_redirect(world):
    world.github.route(r"/acme/repo", Reply(200))
    world.github.route(r"/acme/moved-away", redirect("https://mirror.example.net/acme", 302))
    world.web.route(r"/mirror\.example\.net/acme", Reply(200))
    world.web.route(r"/blog\.example\.org/post", Reply(200))
    results = world.check(
        "https://github.com/acme/repo",
        "https://github.com/acme/moved-away",
        f"{SITE}/post",
        github_token="ghp_secret",
    )
    assert {r.status for r in results.values()} == {Status.ok}
    assert {s.headers.get("authorization") for s in world.github.seen} == {"Bearer ghp_secret"}
    assert world.web.requests(r"/mirror\.example\.net/acme")
    assert all("authorization" not in s.headers for s in world.web.seen)


def test_no_server_at_all_means_no_network(world):
    world.web.close()
    results = world.check(f"{SITE}/a", "https://other.example.org/b", max_retries=0)
    assert all(r.status is Status.unverified and not r.reached for r in results.values())
    assert all("could not connect" in (r.reason or "") for r in results.values())


def test_overall_concurrency_is_bounded(world):
    world.web.route(r"/blog\.example\.org/slow/\d+", Reply(200, delay=0.1))
    urls = [f"{SITE}/slow/{i}" for i in range(12)]
    results = world.check(*urls, max_concurrency=3, per_host_concurrency=8)
    assert {r.status for r in results.values()} == {Status.ok}
    spans = [(seen.started, end) for seen, end in world.web.settled()]
    peak = max(sum(1 for s, e in spans if s <= t < e) for t, _ in spans)
    assert peak <= 3


def test_a_redirect_to_a_url_that_cannot_be_parsed_is_broken_not_a_crash(world):
    world.web.route(r"/blog\.example\.org/bad-location", redirect("http://[::1/", 301))
    world.web.route(r"/blog\.example\.org/fine", Reply(200))
    results = world.check(f"{SITE}/bad-location", f"{SITE}/fine")
    bad = results[f"{SITE}/bad-location"]
    assert bad.status is Status.broken
    assert "a redirect points to not a valid URL" in (bad.reason or "")
    assert results[f"{SITE}/fine"].status is Status.ok  # the rest of the run goes on


def test_head_refused_and_get_unanswered_is_unverified_not_broken(world):
    world.web.route(r"/blog\.example\.org/shy", Reply(405), methods=["HEAD"])
    world.web.route(r"/blog\.example\.org/shy", Reply(action="reset"), methods=["GET"])
    result = world.check(f"{SITE}/shy", max_retries=0)[f"{SITE}/shy"]
    assert result.status is Status.unverified
    assert (result.reason or "").startswith("HEAD answered 405; GET: connection reset")


def test_a_redirect_whose_target_does_not_answer_says_so(world):
    world.web.route(r"/blog\.example\.org/hop", redirect("/dead", 301))
    world.web.route(r"/blog\.example\.org/dead", Reply(action="reset"))
    result = world.check(f"{SITE}/hop", max_retries=0)[f"{SITE}/hop"]
    assert result.status is Status.unverified
    assert (result.reason or "").startswith(
        f"redirects to {SITE}/dead, which gave no answer: connection reset"
    )


def test_a_body_that_does_not_decode_leaves_the_verdict_to_the_status(world):
    world.web.route(r"/blog\.example\.org/zip", Reply(404), methods=["HEAD"])
    world.web.route(
        r"/blog\.example\.org/zip",
        Reply(200, {"content-encoding": "gzip"}, b"this is not gzip at all"),
        methods=["GET"],
    )
    result = world.check(f"{SITE}/zip")[f"{SITE}/zip"]
    assert (result.status, result.http_status) == (Status.ok, 200)
