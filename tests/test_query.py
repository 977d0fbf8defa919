from pathlib import Path

import pytest

from llmcat.catalog import load_catalog
from llmcat.errors import UsageError
from llmcat.query import (
    ListFilters,
    filter_cards,
    find_card,
    lineage,
    parse_conditions,
    sort_cards,
    suggest,
)

MINI = Path(__file__).parent / "data" / "mini"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog([MINI])


def ids(cards) -> list[str]:
    return [c.id for c in cards]


def run(catalog, *exprs: str) -> list[str]:
    conditions = parse_conditions(exprs, ["mmlu"])
    return ids(filter_cards(catalog.models, conditions))


def test_size_conditions_match_when_any_variant_does(catalog) -> None:
    assert run(catalog, "parameters >= 70B") == ["alpha"]
    assert run(catalog, "parameters < 1B") == ["beta"]
    assert run(catalog, "parameters = 7.1B") == ["gamma"]


def test_conditions_are_joined_by_and_across_arguments_and_within_one(catalog) -> None:
    assert run(catalog, "parameters >= 7B", "languages contains zh") == ["beta"]
    assert run(catalog, "parameters >= 7B and languages contains zh") == ["beta"]


def test_dates_compare_at_the_precision_given(catalog) -> None:
    assert run(catalog, "released >= 2024-01") == ["beta", "gamma"]
    assert run(catalog, "released = 2024-02") == ["beta"]
    assert run(catalog, "released <= 2024-02") == ["alpha", "beta"]


def test_text_equality_ignores_case_and_tilde_is_a_substring(catalog) -> None:
    assert run(catalog, "organization = 'acme labs'") == ["alpha", "gamma"]
    assert run(catalog, "organization ~ zeta") == ["beta"]
    assert run(catalog, 'name = "Beta 1.5"') == ["beta"]


def test_not_equal_is_the_negation_of_equal_for_lists(catalog) -> None:
    assert run(catalog, "languages != zh") == ["alpha", "gamma"]


def test_benchmark_ids_filter_on_the_best_score(catalog) -> None:
    assert run(catalog, "mmlu >= 60") == ["alpha", "beta"]
    assert run(catalog, "mmlu < 50") == []


def test_field_aliases_are_accepted(catalog) -> None:
    assert run(catalog, "params >= 70B") == ["alpha"]
    assert run(catalog, "context >= 128K") == ["gamma"]
    assert run(catalog, "base_model = alpha") == ["gamma"]


def test_unknown_field_suggests_the_nearest() -> None:
    with pytest.raises(
        UsageError, match="unknown field 'orgnization'; did you mean 'organization'"
    ):
        parse_conditions(["orgnization = Meta"])


@pytest.mark.parametrize(
    "bad",
    [
        "parameters >=",
        "parameters 7B",
        ">= 7B",
        "parameters >= 7B or x = 1",
        "parameters >= 7B and",
        "",
        "released >= tomorrow",
        "parameters >= lots",
        "a = 'unterminated",
    ],
)
def test_malformed_expressions_raise_usage_errors(bad: str) -> None:
    with pytest.raises(UsageError):
        parse_conditions([bad])


def test_parser_never_evaluates_code() -> None:
    with pytest.raises(UsageError):
        parse_conditions(["__import__('os').system('true') = 1"])


def test_list_filters_combine_options(catalog) -> None:
    def select(**kw) -> list[str]:
        pred = ListFilters(**kw).predicate()
        return [c.id for c in catalog.models if pred(c)]

    assert select(orgs=("acme labs",)) == ["alpha", "gamma"]
    assert select(orgs=("acme labs", "Zeta Research")) == ["alpha", "beta", "gamma"]
    assert select(languages=("zh",)) == ["beta"]
    assert select(licenses=("apache",)) == ["alpha"]
    assert select(modalities=("vision-language",)) == ["gamma"]
    assert select(min_params="10B") == ["alpha", "beta"]
    assert select(max_params="1B") == ["beta"]
    assert select(min_params="8B", max_params="20B") == ["beta"]
    assert select(released_after="2024-02") == ["beta", "gamma"]
    assert select(released_before="2024-02-04") == ["alpha"]
    assert select(search="mixture") == ["beta"]
    assert select(search="ALPHA-LM") == ["alpha"]


def test_list_filters_reject_bad_sizes_and_dates() -> None:
    with pytest.raises(UsageError):
        ListFilters(min_params="big").predicate()
    with pytest.raises(UsageError):
        ListFilters(released_after="2024-13").predicate()


def test_sorting_puts_missing_values_last_in_both_directions(catalog) -> None:
    assert ids(sort_cards(catalog.models, "released")) == ["alpha", "beta", "gamma"]
    assert ids(sort_cards(catalog.models, "parameters", reverse=True)) == ["alpha", "beta", "gamma"]
    assert ids(sort_cards(catalog.models, "license")) == ["alpha", "beta", "gamma"]
    assert ids(sort_cards(catalog.models, "license", reverse=True)) == ["beta", "alpha", "gamma"]
    assert ids(sort_cards(catalog.models, "mmlu", reverse=True, benchmarks=["mmlu"])) == [
        "alpha",
        "beta",
        "gamma",
    ]


def test_lookup_ignores_case_spaces_dots_and_dashes(catalog) -> None:
    for query in ["beta1.5", "Beta 1.5", "BETA-1-5", "beta", "alpha lm", "Alpha-LM"]:
        assert find_card(catalog.cards, query) is not None
    assert find_card(catalog.cards, "delta") is None


def test_suggest_names_the_closest_card(catalog) -> None:
    assert suggest(catalog.cards, "alpah") == "alpha"
    assert suggest(catalog.cards, "zzzzzz") is None


def test_a_variant_name_or_hugging_face_repo_finds_its_family(catalog) -> None:
    expected = {
        "Alpha-70B": "alpha",
        "acme/alpha-70b": "alpha",
        "alpha-70b": "alpha",
        "zeta/Beta-14B": "beta",
        "beta 14b": "beta",
    }
    found = {query: getattr(find_card(catalog.cards, query), "id", None) for query in expected}
    assert found == expected
    assert suggest(catalog.cards, "zeta/Beta-14BB") == "beta"


def test_lineage_goes_both_ways(catalog) -> None:
    by_id = catalog.by_id()
    assert ids(lineage(catalog.cards, by_id["gamma"]).ancestors) == ["alpha"]
    assert ids(lineage(catalog.cards, by_id["alpha"]).descendants) == ["gamma"]
    assert lineage(catalog.cards, by_id["beta"]) == lineage(catalog.cards, by_id["beta"])
    assert not lineage(catalog.cards, by_id["beta"]).ancestors


def test_an_exact_id_wins_over_another_cards_name(tmp_path) -> None:
    import shutil

    root = tmp_path / "cat"
    shutil.copytree(MINI, root)
    # A card named "Beta" would read the same as the id "beta"; the id must win.
    alpha = root / "models" / "alpha.toml"
    alpha.write_text(alpha.read_text().replace('name = "Alpha LM"', 'name = "Beta"'))
    cards = load_catalog([root]).cards
    assert find_card(cards, "beta").id == "beta"
    assert find_card(cards, "alpha-lm").id == "alpha"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"modalities": ("audio",)}, "--modality: 'audio' is not one of"),
        ({"languages": ("xx",)}, "--lang: 'xx' is not an ISO 639-1 code"),
        ({"min_params": "70B", "max_params": "7B"}, "--min-params is larger than --max-params"),
        ({"released_after": "2024-13"}, "--released-after: '2024-13' is not a real calendar date"),
        ({"released_after": "2025", "released_before": "2024-01"}, "--released-after"),
    ],
)
def test_list_options_that_can_match_nothing_are_usage_errors(options, message) -> None:
    with pytest.raises(UsageError, match=message):
        ListFilters(**options).predicate()


@pytest.mark.parametrize("bad", ["mmlu >= nan", "mmlu >= inf", "mmlu >= 1_0", "mmlu >= abc"])
def test_scores_compare_only_with_plain_numbers(bad: str) -> None:
    with pytest.raises(UsageError, match="is not a number"):
        parse_conditions([bad], ["mmlu"])


def test_context_k_means_1024_as_the_tables_print_it(catalog) -> None:
    assert run(catalog, "context = 128K") == ["gamma"]
    assert run(catalog, "context_length = 4K") == ["alpha"]
    assert run(catalog, "context = 4096") == ["alpha"]


def test_a_modality_that_cannot_exist_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="modality: 'vision' is not one of text, vision-language"):
        parse_conditions(["modality = vision"])
