"""`llmcat check` end to end: a test catalog, the fake hosts, every output format."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest
from fakehosts import Reply, json_reply, redirect
from typer.testing import CliRunner

from llmcat.cli import app
from llmcat.commands.check import CheckFormat, formatter_for

DATA = Path(__file__).parents[1] / "data" / "linkcheck"
CATALOG = DATA / "catalog"
runner = CliRunner()
FAST = ["--arxiv-interval", "0", "--backoff", "0.01", "--max-retries", "1", "--timeout", "2"]


def stage(world) -> None:
    """The answers the test catalog's links get from the fake hosts."""
    hub = world.hub
    hub.route(r"/api/collections/acme/alpha-123", json_reply({"slug": "acme/alpha-123"}))
    hub.route(r"/api/models/acme/Alpha-7B\?.*", Reply(401, {"X-Error-Code": "GatedRepo"}))
    hub.route(r"/api/models/acme/Alpha-70B\?.*", Reply(401, {"X-Error-Code": "RepoNotFound"}))
    hub.route(r"/api/models/acme/Beta-1B\?.*", json_reply({"id": "acme/Beta-1B"}))
    hub.route(r"/api/datasets/acme/qa\?.*", json_reply({"id": "acme/qa"}))
    world.papers.papers["2501.00001"] = (1, "")
    world.github.route(r"/acme/alpha", redirect("/acme/alpha-model", 301))
    world.github.route(r"/acme/alpha-model", Reply(200))
    web = world.web
    web.route(r"/blog\.example\.org/alpha", Reply(200))
    web.route(r"/walled\.example\.org/.*", Reply(403, {"cf-mitigated": "challenge"}))
    web.route(r"/board\.example\.org/", Reply(200))
    web.route(r"/speed\.example\.org/table", Reply(503))


def check(world, *args: str):
    remaps = [arg for rule in world.remap_args for arg in ("--remap", rule)]
    return runner.invoke(app, ["check", "-c", str(CATALOG), *remaps, *FAST, *args])


def line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


def test_json_report_has_one_result_per_url_with_its_uses(world):
    stage(world)
    result = check(world, "--format", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    by_url = {r["url"]: r for r in report["results"]}
    status = {url: r["status"] for url, r in by_url.items()}
    assert status == {
        "https://huggingface.co/collections/acme/alpha-123": "ok",
        "https://arxiv.org/abs/2501.00001": "ok",
        "https://arxiv.org/pdf/2501.99999v1": "broken",
        "https://github.com/acme/alpha": "moved",
        "https://blog.example.org/alpha": "ok",
        "https://blog.example.org/alpha-gone": "broken",
        "https://huggingface.co/acme/Alpha-7B": "ok",
        "https://huggingface.co/acme/Alpha-70B": "broken",
        "https://walled.example.org/[bold]beta[/bold]": "unverified",
        "https://blog.example.org/\x1b[2Jclear": "broken",
        "https://huggingface.co/acme/Beta-1B": "ok",
        "https://huggingface.co/datasets/acme/qa": "ok",
        "https://board.example.org/": "ok",
        "https://speed.example.org/table": "unverified",
    }
    assert report["summary"] == {"total": 14, "ok": 7, "moved": 1, "broken": 4, "unverified": 2}
    assert by_url["https://huggingface.co/acme/Alpha-7B"]["note"] == "gated"
    assert (
        by_url["https://github.com/acme/alpha"]["final_url"]
        == "https://github.com/acme/alpha-model"
    )
    assert by_url["https://speed.example.org/table"]["http_status"] == 503
    assert set(by_url["https://speed.example.org/table"]) >= {
        "url",
        "status",
        "http_status",
        "final_url",
        "note",
        "reason",
        "uses",
    }
    alpha = str(CATALOG / "models" / "alpha.toml")
    assert by_url["https://arxiv.org/abs/2501.00001"]["uses"] == [
        {
            "card": "alpha",
            "file": alpha,
            "field": "links.arxiv[0]",
            "line": line_of(
                CATALOG / "models" / "alpha.toml", '"https://arxiv.org/abs/2501.00001"'
            ),
        },
        {
            "card": "alpha",
            "file": alpha,
            "field": "scores[0].source",
            "line": line_of(CATALOG / "models" / "alpha.toml", 'source = "https://arxiv.org/abs/'),
        },
    ]
    # Each unique URL was requested once: the arXiv id was asked in one API call.
    assert len(world.arxiv.requests(r"/api/query\?.*")) == 1
    assert len(world.web.requests(r"/blog\.example\.org/alpha")) == 1
    assert "checking links" not in result.stderr  # no progress bar when not on a terminal


def test_github_annotations_point_at_the_line_of_the_link(world, monkeypatch):
    stage(world)
    monkeypatch.chdir(DATA)
    result = runner.invoke(
        app,
        [
            "check",
            "-c",
            "catalog",
            "--format",
            "github",
            *FAST,
            *[arg for rule in world.remap_args for arg in ("--remap", rule)],
        ],
    )
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    alpha = DATA / "catalog" / "models" / "alpha.toml"
    line = line_of(alpha, 'huggingface = "acme/Alpha-70B"')
    assert any(
        text.startswith(f"::error file=catalog/models/alpha.toml,line={line},title=broken link::")
        and "variants[1].huggingface" in text
        for text in lines
    ), lines
    moved = line_of(alpha, 'github = "https://github.com/acme/alpha"')
    assert any(
        text.startswith(f"::warning file=catalog/models/alpha.toml,line={moved},title=moved link::")
        for text in lines
    )
    assert not any(text.startswith("::") and "/alpha-123" in text for text in lines)  # ok: silent
    assert lines[-1].startswith("14 links: 7 ok, 1 moved, 4 broken, 2 unverified")
    assert all("\x1b" not in text for text in lines)


def test_markdown_report_for_a_pull_request_comment(world):
    stage(world)
    result = check(world, "--format", "markdown")
    assert result.exit_code == 1
    assert result.stdout.startswith("## Link check\n")
    assert "| broken | https://blog.example.org/alpha-gone |" in result.stdout
    assert r"\[bold\]beta\[/bold\]" in result.stdout
    assert r"https://blog.example.org/\\x1b\[2Jclear" in result.stdout  # shown, escaped


def test_table_lists_what_is_not_ok_and_prints_card_text_as_text(world):
    stage(world)
    result = check(world)
    assert result.exit_code == 1
    out = result.stdout
    assert "alpha-gone" in out and "Alpha-70B" in out and "speed.example.org" in out
    assert "alpha-123" not in out  # ok links are only counted
    assert "[bold]beta[/bold]" in out  # markup shown, not applied
    assert "\x1b" not in out and "\\x1b[2J" in out
    assert "14 links: 7 ok, 1 moved, 4 broken, 2 unverified" in out


def test_in_a_pipe_the_table_is_plain_text_with_a_link_a_line(world):
    stage(world)
    out = check(world).stdout  # CliRunner's output is not a terminal
    assert not set("│┃━─┏") & set(out)  # no box drawing
    lines = out.splitlines()
    assert lines[0].split() == ["Status", "URL", "Found", "Used", "in"]
    gone = next(line for line in lines if "Alpha-70B" in line)
    assert gone.split()[:2] == ["broken", "https://huggingface.co/acme/Alpha-70B"]  # whole
    assert lines[-1] == "14 links: 7 ok, 1 moved, 4 broken, 2 unverified"


def test_only_exclude_and_strict(world):
    stage(world)
    only_github = check(world, "--only", "github", "--format", "json")
    assert only_github.exit_code == 0  # moved is not a failure...
    assert [r["url"] for r in json.loads(only_github.stdout)["results"]] == [
        "https://github.com/acme/alpha"
    ]
    assert check(world, "--only", "github", "--strict").exit_code == 1  # ...unless strict
    unverified_only = check(world, "--only", "other", "--exclude", "blog", "--exclude", "board")
    assert unverified_only.exit_code == 0
    assert check(world, "--only", "other", "--exclude", "blog", "--strict").exit_code == 1


def test_dump_lists_without_checking(world):
    result = check(world, "--dump", "--only", "huggingface", "--format", "json")
    assert result.exit_code == 0
    urls = [t["url"] for t in json.loads(result.stdout)]
    assert urls == [
        "https://huggingface.co/collections/acme/alpha-123",
        "https://huggingface.co/acme/Alpha-7B",
        "https://huggingface.co/acme/Alpha-70B",
        "https://huggingface.co/acme/Beta-1B",
        "https://huggingface.co/datasets/acme/qa",
    ]
    assert not world.hub.seen


@pytest.mark.parametrize(
    "args",
    [
        ["--remap", "onlyone"],
        ["--remap", "( x"],
        ["--exclude", "("],
        ["--max-cache-age", "soon"],
        ["--only", "gitlab"],
        ["--hf-endpoint", "ftp://x"],
    ],
)
def test_usage_errors_exit_2(args):
    result = runner.invoke(app, ["check", "-c", str(CATALOG), *args])
    assert result.exit_code == 2


def test_catalog_errors_exit_2(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "bad.toml").write_text('id = "bad"\nname = 3\n')
    result = runner.invoke(app, ["check", "-c", str(tmp_path)])
    assert result.exit_code == 2
    assert "bad.toml" in result.stderr


def test_no_network_at_all_exits_3():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on `port` any more: every connection is refused.
    result = runner.invoke(
        app,
        [
            "check",
            "-c",
            str(CATALOG),
            "--remap",
            rf"^https?://([^/]+)/? http://127.0.0.1:{port}/\1/",
            "--max-retries",
            "0",
            "--arxiv-interval",
            "0",
        ],
    )
    assert result.exit_code == 3, result.output
    assert "no network" in result.stderr


def test_cache_keeps_definitive_verdicts_only(world, isolated_env):
    stage(world)
    first = check(world, "--cache", "--format", "json")
    assert first.exit_code == 1
    cache_file = isolated_env / "linkcheck.json"
    assert cache_file.exists()
    asked_before = len(world.web.requests(r"/speed\.example\.org/table"))
    blog_before = len(world.web.requests(r"/blog\.example\.org/alpha"))
    second = check(world, "--cache", "--format", "json")
    results = {r["url"]: r for r in json.loads(second.stdout)["results"]}
    assert results["https://blog.example.org/alpha"]["cached"] is True
    assert results["https://blog.example.org/alpha-gone"]["status"] == "broken"
    assert results["https://speed.example.org/table"]["cached"] is False  # never cached
    assert len(world.web.requests(r"/blog\.example\.org/alpha")) == blog_before
    assert len(world.web.requests(r"/speed\.example\.org/table")) > asked_before
    # An expired entry is checked again.
    third = check(world, "--cache", "--max-cache-age", "0", "--format", "json")
    assert not any(r["cached"] for r in json.loads(third.stdout)["results"])


def test_corrupt_cache_is_ignored_with_a_warning(world, isolated_env):
    stage(world)
    (isolated_env / "linkcheck.json").write_text("{not json")
    result = check(world, "--cache", "--only", "github", "--format", "json")
    assert result.exit_code == 0
    assert "warning: ignoring the corrupt link cache" in result.stderr
    assert json.loads((isolated_env / "linkcheck.json").read_text())["format"] == 1


def test_only_offers_every_link_kind():
    from llmcat.commands.check import OnlyKind
    from llmcat.linkcheck import LinkKind

    assert [k.value for k in OnlyKind] == [k.value for k in LinkKind]


def test_every_format_has_a_formatter():
    for fmt in CheckFormat:
        assert formatter_for(fmt).name == fmt.value


def test_help_lists_the_options():
    result = runner.invoke(app, ["check", "--help"])
    assert result.exit_code == 0
    text = re.sub(r"\s+", " ", result.output)
    for option in (
        "--only",
        "--exclude",
        "--dump",
        "--remap",
        "--cache",
        "--max-cache-age",
        "--strict",
        "--max-concurrency",
        "--max-retries",
        "--timeout",
    ):
        assert option in text
