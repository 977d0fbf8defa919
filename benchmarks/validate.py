"""The figure for `llmcat validate` on a generated 10,000-card catalog.

Times `llmcat validate` (a subprocess, median of several runs; it reads and checks every
file fresh, with no cache) against a bare `tomllib` parse of the same files in a
subprocess, measured in the same run, and prints both and their ratio (goal <= 1.5).

Run: python benchmarks/validate.py [--cards N] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _catalogs import generate_catalog

SRC = Path(__file__).resolve().parents[1] / "src"
TOMLLIB_PARSE = (
    "import sys, tomllib, pathlib\n"
    "for p in sorted(pathlib.Path(sys.argv[1]).glob('models/*.toml')):\n"
    "    tomllib.loads(p.read_text(encoding='utf-8'))\n"
)


def timed(cmd: list[str], env: dict[str, str], runs: int, expect: int = 0) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != expect:
            sys.exit(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory(prefix="llmcat-validate-") as tmp:
        root = generate_catalog(Path(tmp) / "catalog", args.cards)
        env["LLMCAT_CACHE_DIR"] = str(Path(tmp) / "cache")
        validate = [sys.executable, "-m", "llmcat", "validate", "--catalog", str(root)]
        parse = [sys.executable, "-c", TOMLLIB_PARSE, str(root)]
        timed(parse, env, 1)  # warm the page cache for both
        # Interleaved, so that a busy machine slows both alike.
        bases, checks = [], []
        for _ in range(args.runs):
            bases.append(timed(parse, env, 1))
            checks.append(timed(validate, env, 1))
        base, check = statistics.median(bases), statistics.median(checks)
        ratio = statistics.median(c / b for b, c in zip(bases, checks, strict=True))
    print(f"cards:               {args.cards}")
    print(f"tomllib parse:       {base:.2f} s (median of {args.runs})")
    print(f"llmcat validate:     {check:.2f} s (median of {args.runs})")
    print(f"ratio:               {ratio:.2f} (median of the runs' ratios; goal <= 1.5)")


if __name__ == "__main__":
    main()
