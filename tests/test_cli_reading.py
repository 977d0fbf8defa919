import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcat import __version__
from llmcat.cli import app

DATA = Path(__file__).parent / "data"
MINI = str(DATA / "mini")
HOSTILE = str(DATA / "hostile")
runner = CliRunner()


def llmcat(*args: str, **kwargs):
    return runner.invoke(app, list(args), **kwargs)


def test_version() -> None:
    result = llmcat("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"llmcat {__version__}"


def test_list_the_bundled_catalog_by_default() -> None:
    result = llmcat("list", "--format", "ids")
    assert result.exit_code == 0
    assert {"llama2", "llama3", "gemma"} <= set(result.output.split())


def test_list_org_filter_is_case_insensitive_on_the_bundled_catalog() -> None:
    result = llmcat("list", "--org", "meta", "-q")
    assert result.exit_code == 0
    assert result.output.split() == ["llama2", "llama3"]


def test_list_table_shows_sizes_and_context() -> None:
    result = llmcat("list", "-c", MINI)
    assert result.exit_code == 0
    assert "0.5B, 14B, 14.3B (A2.7B)" in result.output
    assert "128K" in result.output
    assert "\x1b[" not in result.output  # no colour when not a terminal


def test_list_json_is_an_array_of_the_same_objects_show_prints() -> None:
    listing = json.loads(llmcat("list", "-c", MINI, "--json").output)
    shown = json.loads(llmcat("show", "beta", "-c", MINI, "--format", "json").output)
    assert [card["id"] for card in listing] == ["alpha", "beta", "gamma"]
    assert listing[1] == shown
    assert shown["variants"][0]["parameters"] == 500_000_000


def test_list_csv_has_the_table_columns() -> None:
    rows = list(csv.reader(io.StringIO(llmcat("list", "-c", MINI, "--format", "csv").output)))
    assert rows[0] == [
        "ID",
        "Name",
        "Organization",
        "Sizes",
        "Released",
        "Context",
        "Languages",
        "License",
    ]
    assert rows[1][:4] == ["alpha", "Alpha LM", "Acme Labs", "7B, 70B"]


def test_list_markdown_is_a_pipe_table() -> None:
    lines = llmcat("list", "-c", MINI, "--format", "markdown").output.splitlines()
    assert lines[0].startswith("| ID | Name |")
    assert lines[1].startswith("| --- |")
    assert lines[2].startswith("| alpha | Alpha LM |")


def test_list_options_filter_sort_and_limit() -> None:
    result = llmcat(
        "list",
        "-c",
        MINI,
        "--min-params",
        "7B",
        "--sort",
        "released",
        "--reverse",
        "--limit",
        "2",
        "-q",
    )
    assert result.output.split() == ["gamma", "beta"]
    result = llmcat("list", "-c", MINI, "--released-after", "2024-01", "--lang", "zh", "-q")
    assert result.output.split() == ["beta"]
    assert llmcat("list", "-c", MINI, "--modality", "vision-language", "-q").output.split() == [
        "gamma"
    ]


def test_list_sort_by_benchmark_score() -> None:
    result = llmcat("list", "-c", MINI, "--sort", "mmlu", "--reverse", "-q")
    assert result.output.split() == ["alpha", "beta", "gamma"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--min-params", "huge"], "'huge' is not a size"),
        (["--released-after", "2024-02-30"], "not a real calendar date"),
        (["--sort", "sizez"], "unknown field 'sizez'"),
        (["--json", "-q"], "cannot be used together"),
    ],
)
def test_list_usage_errors_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = llmcat("list", "-c", MINI, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_filter_expressions() -> None:
    result = llmcat(
        "filter",
        "parameters >= 7B",
        "languages contains zh",
        "released >= 2024-01",
        "-c",
        MINI,
        "-q",
    )
    assert result.exit_code == 0
    assert result.output.split() == ["beta"]


def test_filter_on_scores_and_lineage() -> None:
    assert llmcat("filter", "mmlu >= 60", "-c", MINI, "-q").output.split() == ["alpha", "beta"]
    assert llmcat("filter", "base_model = alpha", "-c", MINI, "-q").output.split() == ["gamma"]


def test_filter_unknown_field_suggests_and_exits_2() -> None:
    result = llmcat("filter", "orgnization = Meta", "-c", MINI)
    assert result.exit_code == 2
    assert "unknown field 'orgnization'; did you mean 'organization'?" in result.output


def test_show_accepts_id_alias_or_name_ignoring_case_spaces_dots_dashes() -> None:
    for query in ["llama3", "Llama 3", "llama-3", "LLAMA.3", "Meta Llama 3"]:
        result = llmcat("show", query, "--json")
        assert result.exit_code == 0, query
        assert json.loads(result.output)["id"] == "llama3"


def test_show_prints_variants_links_scores_sources_and_lineage() -> None:
    result = llmcat("show", "alpha", "-c", MINI)
    assert result.exit_code == 0
    out = result.output
    for text in [
        "Alpha-70B",
        "acme/alpha-70b",
        "https://arxiv.org/abs/2307.09288",
        "68.9",
        "https://example.org/alpha#table3",
        "Used by",
        "gamma",
        "Scores for",
        "mmlu",
    ]:
        assert text in out
    gamma = llmcat("show", "gamma", "-c", MINI).output
    assert "Based on" in gamma and "alpha" in gamma


def test_show_a_benchmark_card() -> None:
    result = llmcat("show", "mmlu", "-c", MINI)
    assert result.exit_code == 0
    assert "Measuring Massive Multitask Language Understanding" in result.output


def test_show_unknown_model_suggests_and_exits_1() -> None:
    result = llmcat("show", "lama3")
    assert result.exit_code == 1
    assert "no model 'lama3'; did you mean 'llama3'?" in result.output


def test_compare_marks_differences_and_highlights_best() -> None:
    result = llmcat("compare", "alpha", "beta", "-c", MINI)
    assert result.exit_code == 0
    assert "≠ Sizes" in result.output
    assert "68.9 (Alpha-70B)" in result.output


def test_compare_json_and_not_comparable_scores() -> None:
    data = json.loads(llmcat("compare", "alpha", "gamma", "-c", MINI, "--json").output)
    mmlu = next(r for r in data["rows"] if r["field"] == "score:mmlu")
    assert mmlu["comparable"] is False
    assert "settings differ" in mmlu["note"]


def test_compare_llama3_gemma_on_the_bundled_catalog() -> None:
    result = llmcat("compare", "llama3", "gemma")
    assert result.exit_code == 0
    assert "Llama 3" in result.output and "Gemma" in result.output


def test_compare_needs_two_known_models() -> None:
    assert llmcat("compare", "alpha", "-c", MINI).exit_code == 2
    result = llmcat("compare", "alpha", "nope", "-c", MINI)
    assert result.exit_code == 1
    assert "no model 'nope'" in result.output
    assert llmcat("compare", "alpha", "mmlu", "-c", MINI).exit_code == 2


def test_catalog_env_var_and_with_bundled(monkeypatch) -> None:
    monkeypatch.setenv("LLMCAT_CATALOG", MINI)
    assert llmcat("list", "-q").output.split() == ["alpha", "beta", "gamma"]
    monkeypatch.setenv("LLMCAT_CATALOG", HOSTILE)
    both = llmcat("list", "-q", "--with-bundled").output.split()
    assert "evil" in both and "llama3" in both


def test_a_broken_catalog_exits_2_with_located_messages(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "x.toml").write_text('id = "x"\nname = "X"\nname = "Y"\n')
    (tmp_path / "models" / "y.toml").write_bytes(b'id = "y"\nname = "\xff"\n')
    for command in (["list"], ["show", "x"], ["filter", "id = x"], ["compare", "x", "y"]):
        result = llmcat(*command, "-c", str(tmp_path))
        assert result.exit_code == 2, command
        assert "x.toml:3:" in result.output
        assert "y.toml:2:" in result.output and "not valid UTF-8" in result.output
        assert "Traceback" not in result.output


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown", "json", "ids"])
def test_card_text_with_markup_and_escapes_prints_literally(fmt: str) -> None:
    result = llmcat("list", "-c", HOSTILE, "--format", fmt)
    assert result.exit_code == 0
    assert (
        "\x1b" not in result.output
        and "\x9b" not in result.output
        and "\u202e" not in result.output
    )
    if fmt in ("table", "csv"):
        assert "[bold red]x[/]" in result.output
        assert "\\x1b[31mRED" in result.output


def test_show_prints_hostile_text_literally() -> None:
    result = llmcat("show", "evil", "-c", HOSTILE)
    assert result.exit_code == 0
    out = result.output
    assert "[bold red]x[/]" in out and "[blink]markup[/blink]" in out and ":smile:" in out
    assert "[link=https://evil.example]Org[/link]" in out
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "\\x1b]0;title\\x07" in out


def test_every_command_has_help_with_examples() -> None:
    for command in ("list", "filter", "show", "compare"):
        result = llmcat(command, "--help")
        assert result.exit_code == 0
        assert "Examples" in result.output


def test_benchmarks_lists_benchmarks_leaderboards_and_resources() -> None:
    result = llmcat("benchmarks", "-q")
    assert result.exit_code == 0
    ids = result.output.split()
    assert {"arc", "hellaswag", "mmlu", "truthfulqa", "winogrande", "gsm8k"} <= set(ids)
    assert {"open-llm-leaderboard", "chatbot-arena"} <= set(ids)
    leaderboards = json.loads(llmcat("benchmarks", "--kind", "leaderboard", "--json").output)
    assert {card["id"] for card in leaderboards} == {"open-llm-leaderboard", "chatbot-arena"}


def test_benchmarks_rejects_an_unknown_kind() -> None:
    result = llmcat("benchmarks", "--kind", "papers")
    assert result.exit_code == 2
    assert "'papers' is not one of benchmark, leaderboard, resource" in result.output


def test_bundled_vision_language_models_and_their_lineage() -> None:
    vlms = llmcat("list", "--modality", "vision-language", "-q").output.split()
    assert {"llava-1.5", "qwen-vl", "paligemma", "phi3-vision"} <= set(vlms)
    assert llmcat("filter", "base_model = vicuna", "-q").output.split() == ["llava-1.5"]
    shown = llmcat("show", "gemma").output
    assert "Used by" in shown and "paligemma" in shown


def test_bundled_scores_sort_and_filter() -> None:
    by_mmlu = llmcat("list", "--sort", "mmlu", "--reverse", "-q").output.split()
    scored = llmcat("filter", "mmlu >= 0", "-q").output.split()
    assert set(by_mmlu[: len(scored)]) == set(scored)
    first = json.loads(llmcat("show", by_mmlu[0], "--json").output)
    best = max(s["value"] for s in first["scores"] if s["benchmark"] == "mmlu")
    for other in scored:
        data = json.loads(llmcat("show", other, "--json").output)
        assert best >= max(s["value"] for s in data["scores"] if s["benchmark"] == "mmlu")


def test_compare_quiet_prints_the_ids() -> None:
    result = llmcat("compare", "alpha", "beta", "-c", MINI, "-q")
    assert result.exit_code == 0
    assert result.output.split() == ["alpha", "beta"]
