"""Start-up and scaling figures for `llmcat list` and `llmcat filter`.

Prints medians of wall time over several runs of each command in a subprocess, and ratios
against baselines measured in the same run:

- start-up: `llmcat list` (bundled catalog, warm cache) against
  `python -c "import typer, rich.table"`; goal <= 1.3.
- cold: `llmcat list` on 10,000 cards with an empty cache against a bare `tomllib` parse of
  the same files; goal <= 1.5.
- warm: `llmcat list` on 10,000 cards with a warm cache against the same on 100 cards;
  goal <= 3.

Run: python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _catalogs import generate_catalog

LLMCAT = [sys.executable, "-m", "llmcat"]
SRC = Path(__file__).resolve().parents[1] / "src" / "llmcat"
TOMLLIB_PARSE = (
    "import sys, tomllib, pathlib\n"
    "for p in sorted(pathlib.Path(sys.argv[1]).glob('models/*.toml')):\n"
    "    tomllib.loads(p.read_text(encoding='utf-8'))\n"
)


def timed(cmd: list[str], env: dict[str, str], runs: int, fresh_cache: Path | None = None) -> float:
    """Median wall time of `cmd`; with `fresh_cache`, that folder is emptied before each run."""
    times = []
    for _ in range(runs):
        if fresh_cache is not None:
            shutil.rmtree(fresh_cache, ignore_errors=True)
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--sizes", default="100,1000,10000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        cache = tmp_path / "cache"
        env = {**os.environ, "LLMCAT_CACHE_DIR": str(cache), "NO_COLOR": "1"}
        env.pop("LLMCAT_CATALOG", None)
        # Measure llmcat as it runs once installed: with its bytecode cached.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(SRC)], check=True)

        floor = timed([sys.executable, "-c", "import typer, rich.table"], env, args.runs)
        subprocess.run([*LLMCAT, "list"], env=env, check=True, stdout=subprocess.DEVNULL)
        warm_list = timed([*LLMCAT, "list"], env, args.runs)
        print(f"start-up floor (import typer, rich.table): {floor * 1000:7.1f} ms")
        print(f"llmcat list, bundled, warm cache:          {warm_list * 1000:7.1f} ms")
        print(f"  ratio {warm_list / floor:.2f}  (goal <= 1.3)")
        print()

        warm_by_size: dict[int, float] = {}
        print(
            f"{'cards':>6} {'tomllib':>9} {'cold list':>10} {'warm list':>10} "
            f"{'warm filter':>12} {'warm json':>10}  cold/tomllib"
        )
        for size in sizes:
            root = generate_catalog(tmp_path / f"cat{size}", size)
            cmd = [*LLMCAT, "list", "--catalog", str(root)]
            parse = timed(
                [sys.executable, "-c", TOMLLIB_PARSE, str(root)], env, max(3, args.runs // 2)
            )
            cold_cache = tmp_path / "cold-cache"
            cold_env = {**env, "LLMCAT_CACHE_DIR": str(cold_cache)}
            cold = timed(cmd, cold_env, max(3, args.runs // 2), fresh_cache=cold_cache)
            subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
            warm = timed(cmd, env, args.runs)
            filt = timed(
                [
                    *LLMCAT,
                    "filter",
                    "parameters >= 7B",
                    "released >= 2024-01",
                    "--catalog",
                    str(root),
                ],
                env,
                args.runs,
            )
            as_json = timed([*cmd, "--format", "json"], env, args.runs)
            warm_by_size[size] = warm
            print(
                f"{size:>6} {parse:>8.2f}s {cold:>9.2f}s {warm:>9.2f}s {filt:>11.2f}s "
                f"{as_json:>9.2f}s  {cold / parse:.2f}"
            )
        print()
        if 100 in warm_by_size and 10000 in warm_by_size:
            ratio = warm_by_size[10000] / warm_by_size[100]
            print(f"warm list 10,000 / 100 cards: {ratio:.2f}  (goal <= 3)")
        print("cold list 10,000 / tomllib parse: see the last column  (goal <= 1.5)")


if __name__ == "__main__":
    main()
