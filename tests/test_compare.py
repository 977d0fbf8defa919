from pathlib import Path

from llmcat.catalog import load_catalog
from llmcat.compare import compare_cards

MINI = Path(__file__).parent / "data" / "mini"


def rows(*ids: str):
    catalog = load_catalog([MINI]).by_id()
    comparison = compare_cards([catalog[i] for i in ids])
    return comparison, {row.key: row for row in comparison.rows}


def test_rows_that_differ_are_marked_and_equal_ones_are_not() -> None:
    _, by_key = rows("alpha", "gamma")
    assert by_key["sizes"].differs
    assert not by_key["languages"].differs


def test_newest_release_and_largest_context_are_highlighted() -> None:
    comparison, by_key = rows("alpha", "beta", "gamma")
    assert comparison.ids == ("alpha", "beta", "gamma")
    assert by_key["released"].highlight == {2}  # 2024-05 is newer than 2024-02-05
    assert by_key["context_length"].highlight == {2}


def test_scores_under_the_same_setting_compare_and_the_best_is_highlighted() -> None:
    _, by_key = rows("alpha", "beta")
    mmlu = by_key["score:mmlu"]
    assert mmlu.comparable
    assert mmlu.values == ("68.9 (Alpha-70B)", "67.6 (Beta-14B)")
    assert mmlu.highlight == {0}
    assert mmlu.note == "original, 5-shot, accuracy"


def test_scores_under_different_settings_are_marked_not_comparable_with_the_reason() -> None:
    _, by_key = rows("alpha", "gamma")
    mmlu = by_key["score:mmlu"]
    assert not mmlu.comparable
    assert not mmlu.highlight
    assert "alpha: original, 5-shot, accuracy" in mmlu.note
    assert "gamma: harness, 0-shot, accuracy" in mmlu.note


def test_to_dict_gives_values_by_model_id() -> None:
    comparison, _ = rows("alpha", "beta")
    as_dict = comparison.to_dict()
    assert as_dict["models"] == ["alpha", "beta"]
    released = next(r for r in as_dict["rows"] if r["field"] == "released")
    assert released["values"] == {"alpha": "2023-07-18", "beta": "2024-02-05"}
    assert released["best"] == ["beta"]
