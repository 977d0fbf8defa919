"""`llmcat export`: an awesome-list README and data exports, written atomically with -o."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcat.catalog import load_catalog
from llmcat.cli import app
from llmcat.errors import ExitStatus
from llmcat.export import EXPORTERS, ExportFormat, export

DATA = Path(__file__).parent / "data"
GOOD = str(DATA / "good")
runner = CliRunner()


def llmcat(*args: str):
    return runner.invoke(app, list(args))


def test_every_format_has_an_exporter() -> None:
    assert set(EXPORTERS) == set(ExportFormat)


def test_markdown_has_an_overview_table_and_a_section_per_card() -> None:
    result = llmcat("export", "--format", "markdown", "-c", GOOD)
    assert result.exit_code == ExitStatus.OK
    text = result.stdout
    assert text.startswith("# Open LLM catalog\n")
    assert "| Model | Organization | Sizes | Released | Links |" in text
    assert (
        "| [Alpha LM](#alpha-lm) | Example Lab | 7B, 13B | 2023-05-10 | "
        "[Hugging Face](https://huggingface.co/example/alpha-7b) · "
        "[arXiv](https://arxiv.org/abs/2307.09288) · [GitHub](https://github.com/example/alpha)"
        " · [Blog](https://example.org/blog/alpha) |"
    ) in text
    assert "| [Bêta 模型](#bêta-模型) | Société Exemple | 1.3B | 2023-07-18 |  |" in text
    for heading in (
        "### Alpha LM",
        "### Alpha Chat",
        "### Bêta 模型",
        "## Benchmarks",
        "### Quiz (A Quiz for Tests)",
        "## Leaderboards",
        "## Resources",
    ):
        assert f"\n{heading}\n" in text
    assert "- **Base model:** [Alpha LM](#alpha-lm)" in text
    assert (
        "| alpha-13b | 13B | [example/alpha-13b](https://huggingface.co/example/alpha-13b) |"
        in text
    )
    assert "[Data set](https://huggingface.co/datasets/example/quiz)" not in text
    assert "- **Data set:** [example/quiz](https://huggingface.co/datasets/example/quiz)" in text
    # Families together (Alpha LM, then Alpha Chat), oldest first.
    assert text.index("### Alpha LM") < text.index("### Alpha Chat") < text.index("### Bêta")


def test_markdown_cannot_be_broken_by_card_text(tmp_path: Path) -> None:
    root = tmp_path / "catalog"
    shutil.copytree(DATA / "good", root)
    card = root / "models" / "alpha.toml"
    card.write_text(
        card.read_text(encoding="utf-8")
        .replace('name = "Alpha LM"', 'name = "Alpha | <img src=x onerror=alert(1)> [x](y)"')
        .replace('blog = "https://example.org/blog/alpha"', 'blog = "https://example.org/a)b"'),
        encoding="utf-8",
    )
    text = export(load_catalog([root]), ExportFormat.markdown)
    assert re.search(r"(?<!\\)<img", text) is None  # only as escaped, literal text
    assert "Alpha \\| \\<img src=x onerror=alert(1)\\> \\[x\\](y)" in text
    assert "(https://example.org/a%29b)" in text


def test_json_and_jsonl_hold_every_field() -> None:
    records = json.loads(llmcat("export", "-f", "json", "-c", GOOD).stdout)
    assert [r["id"] for r in records] == ["alpha", "alpha-chat", "beta"]
    catalog = load_catalog([DATA / "good"])
    assert records[0] == catalog.by_id()["alpha"].data
    lines = llmcat("export", "-f", "jsonl", "-c", GOOD).stdout.splitlines()
    assert [json.loads(line) for line in lines] == records
    benchmarks = json.loads(
        llmcat("export", "-f", "json", "--kind", "benchmarks", "-c", GOOD).stdout
    )
    assert [b["id"] for b in benchmarks] == ["quiz"]


def test_csv_flattens_tables_and_keeps_arrays_as_json() -> None:
    result = llmcat("export", "-f", "csv", "-c", GOOD)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["id"] for r in rows] == ["alpha", "alpha-chat", "beta"]
    alpha = rows[0]
    assert alpha["links.github"] == '["https://github.com/example/alpha"]'
    assert alpha["context_length"] == "4096"  # a context of "4K" is 4 x 1,024 tokens
    assert [v["parameters"] for v in json.loads(alpha["variants"])] == [7e9, 13e9]
    assert rows[1]["base_model"] == "alpha"


def test_csv_cells_are_not_formulas(tmp_path: Path) -> None:
    root = tmp_path / "catalog"
    shutil.copytree(DATA / "good", root)
    card = root / "models" / "alpha.toml"
    card.write_text(card.read_text().replace('"Example Lab"', '"=HYPERLINK(1)"'))
    rows = list(csv.DictReader(io.StringIO(export(load_catalog([root]), ExportFormat.csv))))
    assert rows[0]["organization"] == "'=HYPERLINK(1)"


def test_output_file_is_written_atomically(tmp_path: Path) -> None:
    target = tmp_path / "README.md"
    target.write_text("old")
    result = llmcat("export", "-o", str(target), "-c", GOOD)
    assert result.exit_code == ExitStatus.OK
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8") == llmcat("export", "-c", GOOD).stdout
    assert [p.name for p in tmp_path.iterdir()] == ["README.md"]
    bad = llmcat("export", "-o", str(tmp_path / "no" / "such" / "dir.md"), "-c", GOOD)
    assert bad.exit_code == ExitStatus.USAGE
    assert "cannot write" in bad.stderr


@pytest.mark.parametrize("fmt", ["markdown", "json", "jsonl", "csv"])
def test_the_bundled_catalog_exports(fmt: str) -> None:
    result = llmcat("export", "-f", fmt)
    assert result.exit_code == ExitStatus.OK
    assert "llama" in result.stdout.lower()


def test_bad_kind_is_a_usage_error() -> None:
    result = llmcat("export", "--kind", "modle", "-c", GOOD)
    assert result.exit_code == ExitStatus.USAGE
    assert "--kind: 'modle' is not one of" in result.stderr
    assert llmcat("export", "--kind", "model", "-c", GOOD).exit_code == 0  # singular is fine
