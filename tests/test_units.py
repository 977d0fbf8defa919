import datetime as dt

import pytest

from llmcat.units import format_context, format_count, parse_count, parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7B", 7_000_000_000),
        ("1.3B", 1_300_000_000),
        ("180B", 180_000_000_000),
        ("0.5b", 500_000_000),
        ("15T", 15_000_000_000_000),
        ("2.2T", 2_200_000_000_000),
        ("125M", 125_000_000),
        (" 8K ", 8_000),
        (4096, 4096),
    ],
)
def test_parse_count_reads_sizes_and_integers(text: object, expected: int) -> None:
    assert parse_count(text) == expected


@pytest.mark.parametrize("bad", ["seven", "7BB", "-7B", "0B", 0, -3, True, 1.5, "1.3333333333B"])
def test_parse_count_rejects_what_is_not_a_positive_size(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_count(bad)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (7_000_000_000, "7B"),
        (1_300_000_000, "1.3B"),
        (500_000_000, "0.5B"),
        (15 * 10**12, "15T"),
        (2_200_000_000_000, "2.2T"),
        (125_000_000, "125M"),
        (None, ""),
    ],
)
def test_format_count_writes_short_units(value: int | None, expected: str) -> None:
    assert format_count(value) == expected


def test_format_count_round_trips_parse_count() -> None:
    for text in ["7B", "1.3B", "0.5B", "14.3B", "15T", "3.3T"]:
        assert format_count(parse_count(text)) == text


@pytest.mark.parametrize(
    ("value", "expected"),
    [(4096, "4K"), (131072, "128K"), (32768, "32K"), (2000, "2K"), (1500, "1500")],
)
def test_format_context_uses_binary_thousands(value: int, expected: str) -> None:
    assert format_context(value) == expected


def test_parse_date_accepts_month_day_and_toml_dates() -> None:
    assert parse_date("2024-04") == "2024-04"
    assert parse_date("2024-02-29") == "2024-02-29"
    assert parse_date(dt.date(2023, 7, 18)) == "2023-07-18"


@pytest.mark.parametrize("bad", ["2023-02-30", "2023-13", "2023", "July 2023", "2023-7-1", 2023])
def test_parse_date_rejects_unreal_or_malformed_dates(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_date(bad)


def test_sizes_and_dates_take_ascii_digits_only() -> None:
    with pytest.raises(ValueError):
        parse_count("٧B")
    with pytest.raises(ValueError):
        parse_date("２０２５-０１-０１")


def test_absurd_sizes_are_refused_and_large_ones_format_without_floats() -> None:
    with pytest.raises(ValueError, match=r"'1(0){26}\.\.\.' is not a size"):
        parse_count("1" + "0" * 400 + "B")
    with pytest.raises(ValueError, match="implausibly large"):
        parse_count("2000000T")
    with pytest.raises(ValueError, match="implausibly large"):
        parse_count(10**19)
    assert format_count(10**18) == "1000000T"
    assert format_count(10**40) == "1" + "0" * 28 + "T"


def test_parse_context_reads_k_as_1024() -> None:
    from llmcat.units import parse_context

    assert parse_context("8K") == 8192
    assert parse_context("128k") == 131072
    assert parse_context(4096) == 4096
    assert parse_context("2.5K") == 2500  # not a power of two: a plain count
