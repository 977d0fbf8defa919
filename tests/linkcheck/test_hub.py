"""Hugging Face links, checked through a fake Hub API."""

from __future__ import annotations

import gzip
import json

from fakehosts import Reply, json_reply, redirect

from llmcat.linkcheck import Status

HF = "https://huggingface.co"


def test_existing_model_repo_is_ok_and_asked_through_the_api(world):
    world.hub.route(r"/api/models/acme/alpha-7b\?.*", json_reply({"id": "acme/alpha-7b"}))
    result = world.check(f"{HF}/acme/alpha-7b")[f"{HF}/acme/alpha-7b"]
    assert result.status is Status.ok
    assert result.http_status == 200
    assert result.note is None
    assert [s.path.split("?")[0] for s in world.hub.seen] == ["/api/models/acme/alpha-7b"]


def test_repo_not_found_is_broken(world):
    world.hub.route(
        r"/api/models/acme/missing\?.*",
        json_reply({"error": "Repository not found"}, 401, {"X-Error-Code": "RepoNotFound"}),
    )
    result = world.check(f"{HF}/acme/missing")[f"{HF}/acme/missing"]
    assert result.status is Status.broken
    assert result.http_status == 401
    assert "no such model repo" in (result.reason or "")


def test_gated_repo_by_error_code_is_ok_with_a_note(world):
    world.hub.route(
        r"/api/models/acme/gated\?.*",
        json_reply({"error": "Access restricted"}, 401, {"X-Error-Code": "GatedRepo"}),
    )
    result = world.check(f"{HF}/acme/gated")[f"{HF}/acme/gated"]
    assert (result.status, result.note) == (Status.ok, "gated")


def test_a_gzip_compressed_answer_is_read(world):
    body = gzip.compress(json.dumps({"id": "acme/zipped", "gated": "manual"}).encode())
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    world.hub.route(r"/api/models/acme/zipped\?.*", Reply(200, headers, body))
    result = world.check(f"{HF}/acme/zipped")[f"{HF}/acme/zipped"]
    assert (result.status, result.note) == (Status.ok, "gated")
    assert "gzip" in world.hub.seen[0].headers["accept-encoding"]


def test_gated_manual_in_the_answer_is_ok_with_a_note(world):
    world.hub.route(
        r"/api/models/acme/licensed\?.*", json_reply({"id": "acme/licensed", "gated": "manual"})
    )
    result = world.check(f"{HF}/acme/licensed")[f"{HF}/acme/licensed"]
    assert (result.status, result.note) == (Status.ok, "gated")


def test_renamed_repo_is_moved_to_the_new_id(world):
    world.hub.route(r"/api/models/acme/old-name\?.*", redirect("/api/models/acme/new-name", 307))
    world.hub.route(r"/api/models/acme/new-name", json_reply({"id": "acme/new-name"}))
    result = world.check(f"{HF}/acme/old-name")[f"{HF}/acme/old-name"]
    assert result.status is Status.moved
    assert result.final_url == f"{HF}/acme/new-name"


def test_redirect_to_a_missing_repo_is_broken(world):
    world.hub.route(r"/api/models/acme/old\?.*", redirect("/api/models/acme/gone", 307))
    world.hub.route(r"/api/models/acme/gone", Reply(404))
    assert world.check(f"{HF}/acme/old")[f"{HF}/acme/old"].status is Status.broken


def test_datasets_and_collections(world):
    world.hub.route(r"/api/datasets/acme/qa\?.*", json_reply({"id": "acme/qa"}))
    world.hub.route(r"/api/collections/acme/set-123", json_reply({"slug": "acme/set-123"}))
    world.hub.route(r"/api/collections/acme/gone-456", Reply(404))
    results = world.check(
        f"{HF}/datasets/acme/qa",
        f"{HF}/collections/acme/set-123",
        f"{HF}/collections/acme/gone-456",
    )
    assert results[f"{HF}/datasets/acme/qa"].status is Status.ok
    assert results[f"{HF}/collections/acme/set-123"].status is Status.ok
    assert results[f"{HF}/collections/acme/gone-456"].status is Status.broken
    assert "no such collection" in (results[f"{HF}/collections/acme/gone-456"].reason or "")


def test_namespace_is_an_organisation_or_else_a_user(world):
    world.hub.route(r"/api/users/jdoe/overview", json_reply({"user": "jdoe"}))
    results = world.check(f"{HF}/jdoe", f"{HF}/nobody")
    assert results[f"{HF}/jdoe"].status is Status.ok
    assert results[f"{HF}/nobody"].status is Status.broken
    asked = {s.path for s in world.hub.seen}
    assert {"/api/organizations/jdoe/overview", "/api/users/jdoe/overview"} <= asked
    assert "/api/users/nobody/overview" in asked


def test_hub_page_that_lands_on_the_login_page_is_broken(world):
    world.hub.route(r"/settings/tokens", redirect("/login?next=%2Fsettings%2Ftokens", 302))
    world.hub.route(r"/login\?.*", Reply(200, body=b"<html>login</html>"))
    result = world.check(f"{HF}/settings/tokens")[f"{HF}/settings/tokens"]
    assert result.status is Status.broken
    assert "login" in (result.reason or "")


def test_bot_wall_is_unverified(world):
    world.hub.route(r"/api/models/acme/walled\?.*", Reply(403, {"cf-mitigated": "challenge"}))
    result = world.check(f"{HF}/acme/walled")[f"{HF}/acme/walled"]
    assert result.status is Status.unverified
    assert "bot wall" in (result.reason or "")


def test_two_urls_for_one_repo_share_one_request(world):
    world.hub.route(r"/api/models/acme/alpha\?.*", json_reply({"id": "acme/alpha"}))
    results = world.check(f"{HF}/acme/alpha", f"{HF}/acme/alpha/tree/main")
    assert {r.status for r in results.values()} == {Status.ok}
    assert len(world.hub.requests(r"/api/models/acme/alpha\?.*")) == 1


def test_token_goes_to_the_hub_api_and_nowhere_else(world):
    world.hub.route(r"/api/models/acme/alpha\?.*", json_reply({"id": "acme/alpha"}))
    # A Hub answer that sends the client to another host must not take the token along.
    world.hub.route(r"/api/models/acme/elsewhere\?.*", redirect("https://cdn.example.net/x", 302))
    world.web.route(r"/cdn\.example\.net/x", json_reply({"id": "acme/elsewhere"}))
    world.github.route(r"/acme/alpha", Reply(200))
    world.check(
        f"{HF}/acme/alpha",
        f"{HF}/acme/elsewhere",
        "https://github.com/acme/alpha",
        hf_token="hf_secret",
    )
    hub_auth = {s.headers.get("authorization") for s in world.hub.seen}
    assert hub_auth == {"Bearer hf_secret"}
    assert world.web.requests(r"/cdn\.example\.net/x")
    assert all("authorization" not in s.headers for s in world.web.seen + world.github.seen)


def test_hf_endpoint_is_the_api_base(world):
    world.hub.route(r"/api/models/acme/alpha\?.*", json_reply({"id": "acme/alpha"}))
    result = world.check(
        f"{HF}/acme/alpha", hf_endpoint="https://hf-mirror.test", hf_token="hf_secret"
    )[f"{HF}/acme/alpha"]
    assert result.status is Status.ok
    (seen,) = world.hub.seen
    # The mirror is the Hub now: the remap shows the request was meant for it, token included.
    assert seen.headers.get("authorization") == "Bearer hf_secret"


def test_429_with_retry_after_pauses_the_host_then_succeeds(world):
    world.hub.sequence(
        r"/api/models/acme/busy\?.*",
        Reply(429, {"Retry-After": "1"}),
        json_reply({"id": "acme/busy"}),
    )
    world.hub.route(r"/api/models/acme/other\?.*", json_reply({"id": "acme/other"}))
    results = world.check(
        f"{HF}/acme/busy", f"{HF}/acme/other", per_host_concurrency=1, retry_after_cap=0.4
    )
    assert {r.status for r in results.values()} == {Status.ok}
    first_end = next(
        end for seen, end in world.hub.settled() if seen.path.startswith("/api/models/acme/busy")
    )
    later = [s.started for s in world.hub.seen if s.started > first_end]
    # Every request after the 429 waited out the (capped) Retry-After: the whole host paused.
    assert later and min(later) - first_end >= 0.35


def test_429_without_retry_after_backs_off_and_gives_up_as_unverified(world):
    world.hub.route(r"/api/models/acme/limited\?.*", Reply(429))
    result = world.check(f"{HF}/acme/limited", max_retries=2, backoff_base=0.05)[
        f"{HF}/acme/limited"
    ]
    assert result.status is Status.unverified
    assert "rate limited" in (result.reason or "")
    starts = [s.started for s in world.hub.seen]
    assert len(starts) == 3
    assert starts[1] - starts[0] >= 0.025 and starts[2] - starts[1] >= 0.05


def test_exhausted_ratelimit_header_slows_down_before_a_429(world):
    world.hub.route(
        r"/api/models/acme/a\?.*",
        json_reply({"id": "acme/a"}, headers={"RateLimit": '"api";r=0;t=30'}),
    )
    world.hub.route(r"/api/models/acme/b\?.*", json_reply({"id": "acme/b"}))
    results = world.check(
        f"{HF}/acme/a", f"{HF}/acme/b", per_host_concurrency=1, retry_after_cap=0.4
    )
    assert {r.status for r in results.values()} == {Status.ok}
    (first, first_end), _ = sorted(world.hub.settled(), key=lambda f: f[0].started)
    second = max(s.started for s in world.hub.seen)
    assert first.path.startswith("/api/models/acme/a")
    assert second - first_end >= 0.35  # waited for the quota window (capped) to reset
