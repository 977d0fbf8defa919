"""Every command is safe against bad cards: one clean located message each, never a traceback.

`tests/data/bad/` holds one card per mistake; `BAD_CARDS` says what each must produce.
Loader problems stop `list` (exit 2) and fail `validate` (exit 1) with the same line;
validate-only problems leave `list` working.
"""

from __future__ import annotations

import shutil
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from llmcat.catalog import load_catalog, read_card
from llmcat.cli import app
from llmcat.errors import CatalogError, Problem

DATA = Path(__file__).parent / "data"
BAD = DATA / "bad"
runner = CliRunner()

# case: (line, column, the problem text after "path:line:column: ", loader or validate only)
BAD_CARDS: dict[str, tuple[int, int, str, bool]] = {
    "syntax-error": (7, 15, "invalid TOML: illegal character", True),
    "duplicate-key": (7, 29, "invalid TOML: cannot overwrite a value", True),
    "invalid-utf8": (5, 28, "the file is not valid UTF-8", True),
    "empty": (1, 1, "the file is empty; a card needs at least 'id'", True),
    "deep-nesting": (1, 1, "invalid TOML: arrays or tables nested too deeply", True),
    "wrong-type": (7, 1, "license: input should be a valid string, got an integer", True),
    "array-for-table": (13, 1, "links: input should be a valid dictionary", True),
    "table-for-array": (12, 1, "sources: input should be a valid list, got a table", True),
    "unknown-key": (7, 1, "unknown key 'licence'; did you mean 'license'?", True),
    "missing-key": (1, 1, "summary: required key is missing", True),
    "id-not-slug": (1, 1, "id: 'Not_A_Slug' is not a lowercase slug", True),
    "id-mismatch": (1, 1, "id: 'something-else' must equal the file name 'id-mismatch'", True),
    "unreal-date": (4, 1, "released: '2023-02-30' is not a real calendar date", True),
    "time-for-date": (4, 1, "released: expected a date such as '2024-04'", True),
    "bad-size": (10, 1, "variants[0].parameters: 'seven billion' is not a size", True),
    "zero-size": (10, 1, "variants[0].parameters: must be positive, got 0", True),
    "float-size": (10, 1, "variants[0].parameters: expected a size such as '7B'", True),
    "bad-token-count": (7, 1, "pretrain_tokens: '-2T' is not a size", True),
    "bad-language": (7, 20, "languages[1]: 'english' is not an ISO 639-1 language code", True),
    "javascript-url": (6, 12, "sources[0]: 'javascript:alert(1)' is not an http(s) URL", True),
    "file-url": (14, 1, "links.homepage[0]: 'file:///etc/passwd' is not an http(s) URL", True),
    "data-url": (14, 1, "links.blog[0]: 'data:text/html,", True),
    "bad-hf-repo": (
        11,
        1,
        "variants[0].huggingface: 'just-a-name' is not a Hugging Face repo",
        True,
    ),
    "duplicate-alias": (7, 12, "aliases[0]: 'Alpha 1' is already used by", True),
    "nan-score": (16, 1, "scores[0].value: input should be a finite number", True),
    "score-without-source": (13, 1, "scores[0].source: required key is missing", True),
    "no-variants": (7, 1, "variants: list should have at least 1 item", True),
    "blank-name": (2, 1, "name: must not be empty", True),
    "bad-modality": (7, 1, "modality: input should be 'text' or 'vision-language'", True),
    # Only `validate` looks for these.
    "future-date": (4, 1, "released: '2999-01' is in the future", False),
    "variant-before-family": (
        12,
        1,
        "variants[0].released: '2023-01-15' is before the family's release date",
        False,
    ),
    "active-above-total": (12, 1, "variants[0].active_parameters: '14B' is more than", False),
    "missing-base-model": (
        7,
        1,
        "base_model: no model card has the id 'alpah'; did you mean 'alpha'?",
        False,
    ),
    "own-base-model": (7, 1, "base_model: a model cannot be its own base model", False),
    "missing-benchmark": (
        14,
        1,
        "scores[0].benchmark: no benchmark card has the id 'quizz'; did you mean",
        False,
    ),
    "unknown-score-variant": (15, 1, "scores[0].variant: no variant of this card is named", False),
    "hf-not-canonical": (
        14,
        1,
        "links.huggingface[0]: 'https://hf.co/example/hf-not-canonical-7b' is not a canonical",
        False,
    ),
    "hf-link-elsewhere": (
        14,
        1,
        "links.huggingface[0]: 'https://example.org/models/7b' is not a Hugging",
        False,
    ),
    "arxiv-pdf": (
        14,
        1,
        "links.arxiv[0]: 'https://arxiv.org/pdf/2307.09288v2.pdf' is not in the abs/ form; "
        "use 'https://arxiv.org/abs/2307.09288v2'",
        False,
    ),
    "arxiv-bad-id": (
        14,
        1,
        "links.arxiv[0]: 'https://arxiv.org/abs/2313.12345' does not hold a valid arXiv id",
        False,
    ),
    "github-not-repo": (
        14,
        1,
        "links.github[0]: 'https://github.com/example/repo/tree/main' is not a repository link",
        False,
    ),
    "github-not-canonical": (
        6,
        12,
        "sources[0]: 'http://www.github.com/example/repo' is not a canonical GitHub link; "
        "use 'https://github.com/example/repo'",
        False,
    ),
    "duplicate-url": (
        15,
        1,
        "links.homepage[0]: 'https://example.org/post/' is already given at links.blog[0] "
        "(line 14)",
        False,
    ),
    "duplicate-source": (
        8,
        3,
        "sources[1]: 'https://example.org/a' is already given at sources[0] (line 7)",
        False,
    ),
}


def test_every_bad_card_has_an_expectation_and_there_are_enough() -> None:
    files = {p.stem for p in BAD.glob("*.toml")}
    assert files == set(BAD_CARDS)
    assert sum(1 for *_, loader in BAD_CARDS.values() if loader) >= 25


def _catalog_with(tmp_path: Path, case: str) -> tuple[Path, str]:
    root = tmp_path / "catalog"
    shutil.copytree(DATA / "good", root)
    shutil.copy(BAD / f"{case}.toml", root / "models" / f"{case}.toml")
    return root, str(root / "models" / f"{case}.toml")


def _problem_lines(text: str, path: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(path + ":")]


@pytest.mark.parametrize("case", sorted(BAD_CARDS))
def test_bad_card_gives_one_located_message(tmp_path: Path, case: str) -> None:
    line, column, message, loader = BAD_CARDS[case]
    root, path = _catalog_with(tmp_path, case)
    expected = f"{path}:{line}:{column}: {message}"

    listed = runner.invoke(app, ["list", "-q", "--catalog", str(root)])
    validated = runner.invoke(app, ["validate", "--catalog", str(root)])

    assert validated.exit_code == 1
    lines = _problem_lines(validated.stdout, path)
    assert len(lines) == 1, validated.output
    assert lines[0].startswith(expected)
    assert "Traceback" not in listed.output + validated.output
    if loader:
        assert listed.exit_code == 2
        assert listed.stdout == ""
        lines = _problem_lines(listed.stderr, path)
        assert len(lines) == 1, listed.output
        assert lines[0].startswith(expected)
    else:
        assert listed.exit_code == 0
        assert case in listed.stdout.split()


@pytest.mark.parametrize(
    "command",
    [
        ["list"],
        ["show", "alpha"],
        ["filter", "parameters >= 7B"],
        ["compare", "alpha", "beta"],
        ["export"],
    ],
)
def test_reading_commands_exit_2_with_the_message(tmp_path: Path, command: list[str]) -> None:
    root, path = _catalog_with(tmp_path, "wrong-type")
    result = runner.invoke(app, [*command, "--catalog", str(root)])
    assert result.exit_code == 2
    assert f"{path}:7:1: license: input should be a valid string" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_cards_that_should_work_do(data_dir: Path) -> None:
    good = data_dir / "good"
    # The files really are what they stand for (an editor or git could have changed them).
    assert b"\r\n" in (good / "models" / "alpha-chat.toml").read_bytes()
    assert (good / "models" / "beta.toml").read_bytes().startswith(b"\xef\xbb\xbf")
    catalog = load_catalog([good])
    cards = catalog.by_id()
    assert cards["beta"].data["released"] == "2023-07-18"  # a TOML date
    assert cards["beta"].data["name"] == "Bêta 模型"
    assert cards["beta"].data["variants"][0]["parameters"] == 1_300_000_000
    assert cards["beta"].data["variants"][0]["released"] == "2023-07-18"  # a TOML date-time
    assert cards["alpha-chat"].data["base_model"] == "alpha"  # CRLF
    result = runner.invoke(app, ["list", "-q", "--catalog", str(good)])
    assert result.exit_code == 0
    assert result.stdout.split() == ["alpha", "alpha-chat", "beta"]


def test_problems_in_several_cards_are_all_reported_sorted(tmp_path: Path) -> None:
    root, _ = _catalog_with(tmp_path, "wrong-type")
    shutil.copy(BAD / "bad-size.toml", root / "models")
    shutil.copy(BAD / "empty.toml", root / "benchmarks")
    with pytest.raises(CatalogError) as info:
        load_catalog([root])
    paths = [Path(p.path).name for p in info.value.problems]
    assert paths == ["empty.toml", "bad-size.toml", "wrong-type.toml"]


# -- property-based: random and mutated TOML never escapes as another exception ----------

GOOD_TEXTS = [p.read_bytes() for p in sorted((DATA / "good").rglob("*.toml"))]
TOML_PIECES = [
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    '"',
    "'",
    '"""',
    ",",
    ".",
    "\n",
    "\r\n",
    "#",
    " ",
    "variants",
    "links",
    "id",
    "scores",
    "released",
    "1979-05-27",
    "07:32:00",
    "nan",
    "inf",
    "true",
    "1e400",
    "0x1F",
    "\\u0000",
    "\\",
    "\ufeff",
    "\x00",
    "é",
    "𝕏",
]


def _load_one(tmp_path: Path, kind: str, raw: bytes) -> None:
    path = tmp_path / "card.toml"
    path.write_bytes(raw)
    data, problems = read_card(path, kind, str(path))
    assert (data is None) == bool(problems) or data is not None
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.message
        problem.one_line()


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(st.sampled_from(GOOD_TEXTS)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["delete", "insert", "replace", "piece"]))
        at = draw(st.integers(0, len(raw)))
        if op == "delete":
            del raw[at : at + draw(st.integers(1, 20))]
        elif op == "insert":
            raw[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "replace" and at < len(raw):
            raw[at] = draw(st.integers(0, 255))
        else:
            raw[at:at] = draw(st.sampled_from(TOML_PIECES)).encode("utf-8")
    return bytes(raw)


FUZZ = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(raw=mutated(), kind=st.sampled_from(["models", "benchmarks", "leaderboards", "resources"]))
def test_mutated_cards_end_in_a_card_or_clean_problems(tmp_path: Path, raw: bytes, kind: str):
    _load_one(tmp_path, kind, raw)


@FUZZ
@given(
    text=st.lists(
        st.sampled_from(TOML_PIECES) | st.text(alphabet=string.printable, max_size=6), max_size=40
    ).map("".join)
)
def test_random_toml_ends_in_a_card_or_clean_problems(tmp_path: Path, text: str) -> None:
    _load_one(tmp_path, "models", text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(raw=mutated())
def test_validate_never_raises_on_mutated_cards(tmp_path: Path, raw: bytes) -> None:
    from llmcat.validate import validate_catalogs

    root = tmp_path / "fuzz"
    (root / "models").mkdir(parents=True, exist_ok=True)
    (root / "models" / "card.toml").write_bytes(raw)
    report = validate_catalogs([root])
    assert report.files == 1
    assert all(p.path.endswith("card.toml") for p in report.problems)
