"""The bundled catalog's real links, every one exercised offline; and a clean Ctrl-C."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fakehosts import FakeHost, Reply, Seen, atom_feed, json_reply
from typer.testing import CliRunner

from llmcat.catalog import load_catalog
from llmcat.cli import app
from llmcat.linkcheck import collect_targets
from llmcat.paths import bundled_catalog

runner = CliRunner()
CATALOG = Path(__file__).parents[1] / "data" / "linkcheck" / "catalog"


def answer_everything(seen: Seen) -> Reply:
    """Every host at once: the path starts with the host name (see the remap below)."""
    host, _, rest = seen.path.lstrip("/").partition("/")
    path = "/" + rest
    if host == "export.arxiv.org" and path.startswith("/api/query"):
        ids = seen.query["id_list"][0].split(",")
        return Reply(200, body=atom_feed((i if "v" in i[-3:] else f"{i}v1", "") for i in ids))
    match = re.match(r"/api/(models|datasets|spaces)/([^?]+)", path)
    if host == "huggingface.co" and match:
        return json_reply({"id": match[2]})
    if host == "huggingface.co" and path.startswith("/api/"):
        return json_reply({})
    return Reply(200)


@pytest.fixture
def everywhere():
    host = FakeHost("everywhere").start()
    host.route(r".*", answer_everything)
    try:
        yield host
    finally:
        host.close()


def test_every_link_of_the_bundled_catalog_is_checked_offline(everywhere):
    targets = collect_targets(load_catalog([bundled_catalog()]))
    assert len(targets) > 20
    result = runner.invoke(
        app,
        [
            "check",
            "--format",
            "json",
            "--arxiv-interval",
            "0",
            "--max-retries",
            "0",
            "--remap",
            rf"^https?://([^/]+)/? {everywhere.url}/\1/",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [r["url"] for r in report["results"]] == [t.url for t in targets]
    assert {r["status"] for r in report["results"]} == {"ok"}, [
        r for r in report["results"] if r["status"] != "ok"
    ]
    asked = {s.path.split("?")[0] for s in everywhere.seen}
    for target in targets:
        repo = re.fullmatch(r"https://huggingface\.co/([^/]+/[^/]+)", target.url)
        if repo and not repo[1].startswith(("collections/", "datasets/", "spaces/", "blog/")):
            assert f"/huggingface.co/api/models/{repo[1]}" in asked
    # arXiv ids went to the API in batches, never to the abstract pages.
    assert not any(p.startswith("/arxiv.org/abs/") for p in asked)
    assert any(p == "/export.arxiv.org/api/query" for p in asked)


def test_ctrl_c_stops_cleanly_and_reports_what_was_checked(tmp_path):
    host = FakeHost("web").start()
    hanging = threading.Event()

    def hang(seen: Seen) -> Reply:
        hanging.set()
        return Reply(action="hang")

    host.route(r"/blog\.example\.org/alpha", Reply(200))
    host.route(r"/blog\.example\.org/alpha-gone", hang)
    command = [
        sys.executable,
        "-m",
        "llmcat",
        "check",
        "-c",
        str(CATALOG),
        "--format",
        "json",
        "--only",
        "other",
        "--exclude",
        "walled|board|speed|clear",
        "--max-concurrency",
        "1",
        "--timeout",
        "30",
        "--remap",
        rf"^https?://([^/]+)/? {host.url}/\1/",
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert hanging.wait(20), "the checker never reached the hanging URL"
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
        host.close()
    assert time.monotonic() - started < 10  # did not wait for the 30 s timeout
    assert proc.returncode == 130, err  # interrupted: not a pass, whatever was checked
    report = json.loads(out)
    assert report["interrupted"] is True
    status = {r["url"]: (r["status"], r["reason"]) for r in report["results"]}
    assert status["https://blog.example.org/alpha"] == ("ok", None)
    assert status["https://blog.example.org/alpha-gone"] == (
        "unverified",
        "not checked: the run was interrupted",
    )
    assert "interrupted" in err
