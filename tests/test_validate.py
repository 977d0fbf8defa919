"""`llmcat validate`: exit codes, warnings, --strict, the three formats, and the checks."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcat.cli import app
from llmcat.errors import ExitStatus, Problem
from llmcat.paths import bundled_catalog
from llmcat.render.problems import PROBLEM_FORMATTERS, ProblemFormat, emit_problems
from llmcat.validate import arxiv_id, url_problem, validate_catalogs, validate_text

DATA = Path(__file__).parent / "data"
runner = CliRunner()

SINGLE = """\
id = "solo"
name = "Solo"
organization = "Example Org"
released = "2023-05"
summary = "TODO"

[[variants]]
name = "solo-7b"
parameters = "7B"
"""


def llmcat(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    root = tmp_path / "catalog"
    shutil.copytree(DATA / "good", root)
    return root


def test_a_clean_catalog_exits_0_and_says_so() -> None:
    result = llmcat("validate", "--catalog", str(DATA / "good"))
    assert result.exit_code == ExitStatus.OK
    assert result.stdout == ""
    assert "6 files checked, no problems" in result.stderr


def test_the_bundled_catalog_is_valid_even_strictly() -> None:
    report = validate_catalogs([bundled_catalog()])
    assert report.files > 0
    assert [p.one_line() for p in report.problems] == []
    assert llmcat("validate", "--strict").exit_code == ExitStatus.OK


def test_warnings_are_shown_exit_0_and_fail_with_strict(catalog: Path) -> None:
    (catalog / "models" / "solo.toml").write_text(SINGLE)
    path = catalog / "models" / "solo.toml"
    result = llmcat("validate", "-c", str(catalog))
    assert result.exit_code == ExitStatus.OK
    assert result.stdout.splitlines() == [
        f"{path}:1:1: warning: sources: no sources: cite where the facts come from",
        f"{path}:5:1: warning: summary: the summary is still a placeholder",
        f"{path}:7:1: warning: variants: a family with a single variant and no Hugging Face "
        "repo: are the weights open?",
    ]
    assert "0 errors, 3 warnings in 7 files" in result.stderr
    assert llmcat("validate", "-c", str(catalog), "--strict").exit_code == ExitStatus.NEGATIVE


def test_every_problem_of_every_card_in_one_run_sorted_by_file_and_line(catalog: Path) -> None:
    for case in ("future-date", "duplicate-url", "missing-base-model", "wrong-type"):
        shutil.copy(DATA / "bad" / f"{case}.toml", catalog / "models")
    (catalog / "benchmarks" / "quiz.toml").write_text(
        (DATA / "good" / "benchmarks" / "quiz.toml").read_text().replace("2021-01", "2021-13")
        + 'homepage = "x"\n'
    )
    result = llmcat("validate", "-c", str(catalog))
    assert result.exit_code == ExitStatus.NEGATIVE
    lines = result.stdout.splitlines()
    located = [(line.split(":")[0], int(line.split(":")[1])) for line in lines]
    assert located == sorted(located)
    names = [Path(path).name for path, _ in located]
    assert names == [
        "quiz.toml",
        "quiz.toml",
        "duplicate-url.toml",
        "future-date.toml",
        "missing-base-model.toml",
        "wrong-type.toml",
    ]
    assert "5 errors" not in result.stderr and "6 errors, 0 warnings in 10 files" in result.stderr


def test_ids_are_unique_across_catalogs(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    shutil.copytree(DATA / "good", first)
    (second / "models").mkdir(parents=True)
    shutil.copy(DATA / "good" / "models" / "beta.toml", second / "models")
    result = llmcat("validate", "-c", str(first), "-c", str(second))
    assert result.exit_code == ExitStatus.NEGATIVE
    assert result.stdout.splitlines() == [
        f"{second}/models/beta.toml:2:1: id: 'beta' is already used by {first}/models/beta.toml"
    ]


def test_an_unreadable_catalog_is_a_usage_error(tmp_path: Path) -> None:
    result = llmcat("validate", "-c", str(tmp_path / "nowhere"))
    assert result.exit_code == ExitStatus.USAGE
    assert "no such catalog folder" in result.stderr
    (tmp_path / "flat").mkdir()
    result = llmcat("validate", "-c", str(tmp_path / "flat"))
    assert result.exit_code == ExitStatus.USAGE
    assert "not a catalog: it has no 'models' folder" in result.stderr


def test_bad_arguments_exit_2() -> None:
    assert llmcat("validate", "--format", "yaml").exit_code == ExitStatus.USAGE
    assert llmcat("validate", "--no-such-flag").exit_code == ExitStatus.USAGE


def test_a_stray_file_beside_the_cards_is_a_warning(catalog: Path) -> None:
    (catalog / "models" / "gamma.tml").write_text("id = 'gamma'\n")
    (catalog / "models" / "README.md").write_text("notes\n")
    report = validate_catalogs([catalog])
    assert [(Path(p.path).name, p.severity) for p in report.problems] == [("gamma.tml", "warning")]


def test_github_format_gives_workflow_annotations(catalog: Path) -> None:
    shutil.copy(DATA / "bad" / "future-date.toml", catalog / "models")
    (catalog / "models" / "solo.toml").write_text(SINGLE.replace('"TODO"', '"Fine, 50%."'))
    result = llmcat("validate", "-c", str(catalog), "--format", "github")
    assert result.exit_code == ExitStatus.NEGATIVE
    lines = result.stdout.splitlines()
    future = str(catalog / "models" / "future-date.toml")
    assert lines[0].startswith(
        f"::error file={future},line=4,col=1,title=llmcat validate::released: '2999-01' is in "
        "the future"
    )
    assert lines[1].startswith("::warning file=")
    assert all(line.startswith(("::error ", "::warning ")) for line in lines)


def test_github_format_escapes_what_would_end_an_annotation() -> None:
    problem = Problem("a,b:c.toml", 3, 1, "notes[0]", "50% done\nthen ::error::")
    out = _emit([problem], ProblemFormat.github)
    assert out == (
        "::error file=a%2Cb%3Ac.toml,line=3,col=1,title=llmcat validate::"
        "notes[0]: 50%25 done\\x0athen ::error::\n"
    )


def test_json_format_is_a_list_of_problems(catalog: Path) -> None:
    shutil.copy(DATA / "bad" / "missing-benchmark.toml", catalog / "models")
    result = llmcat("validate", "-c", str(catalog), "-f", "json")
    assert result.exit_code == ExitStatus.NEGATIVE
    assert json.loads(result.stdout) == [
        {
            "path": str(catalog / "models" / "missing-benchmark.toml"),
            "line": 14,
            "column": 1,
            "key": "scores[0].benchmark",
            "message": "no benchmark card has the id 'quizz'; did you mean 'quiz'?",
            "severity": "error",
        }
    ]
    clean = llmcat("validate", "-c", str(DATA / "good"), "-f", "json")
    assert clean.exit_code == 0 and json.loads(clean.stdout) == []


def _emit(problems: list[Problem], fmt: ProblemFormat) -> str:
    import io

    out = io.StringIO()
    emit_problems(problems, fmt, out)
    return out.getvalue()


def test_every_format_has_a_formatter_and_escapes_card_text() -> None:
    assert set(PROBLEM_FORMATTERS) == set(ProblemFormat)
    hostile = Problem("x.toml", 1, 1, "name", "'\x1b[31mred\x1b[0m\u202e' is bad")
    for fmt in ProblemFormat:
        out = _emit([hostile], fmt)
        assert "\x1b" not in out and "\u202e" not in out, fmt


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("2307.09288", True),
        ("2307.09288v3", True),
        ("0704.0001", True),
        ("1412.9999", True),
        ("1501.00001", True),
        ("hep-th/9901001", True),
        ("math.GT/0309136", True),
        ("2313.12345", False),
        ("1501.0001", False),
        ("0704.00001", False),
        ("hep-th/9913001", False),
        ("2307.0928", False),
        ("abs/2307.09288", False),
    ],
)
def test_arxiv_ids_new_and_old_style(text: str, valid: bool) -> None:
    assert (arxiv_id(text) is not None) is valid


@pytest.mark.parametrize(
    ("url", "field", "problem"),
    [
        ("https://huggingface.co/meta-llama/Llama-2-7b-hf", "huggingface", None),
        ("http://huggingface.co/x/y", None, "use 'https://huggingface.co/x/y'"),
        ("https://www.huggingface.co/x/y", "huggingface", "use 'https://huggingface.co/x/y'"),
        ("https://arxiv.org/abs/2307.09288", "arxiv", None),
        ("https://arxiv.org/abs/hep-th/9901001v2", "arxiv", None),
        ("https://arxiv.org/pdf/2307.09288", None, "use 'https://arxiv.org/abs/2307.09288'"),
        ("http://export.arxiv.org/abs/2307.09288", None, "use 'https://arxiv.org/abs/2307"),
        ("https://arxiv.org/abs/2307.09288?context=cs", None, "not in the abs/ form"),
        ("https://arxiv.org/list/cs.CL/recent", None, "does not hold a valid arXiv id"),
        ("https://example.org/paper.pdf", "arxiv", "is not an arXiv link"),
        ("https://github.com/meta-llama/llama3", "github", None),
        ("https://github.com/a/b/blob/main/README.md", None, None),
        ("https://github.com/a/b/blob/main/README.md", "github", "use 'https://github.com/a/b'"),
        ("https://github.com/a/b.git", "github", "use 'https://github.com/a/b'"),
        ("https://github.com/a", "github", "not a repository link"),
        ("https://gitlab.com/a/b", "github", "is not a GitHub link"),
        ("https://example.org/", "blog", None),
    ],
)
def test_url_rules(url: str, field: str | None, problem: str | None) -> None:
    found = url_problem(url, field)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_dates_in_the_future_depend_on_today() -> None:
    text = (DATA / "good" / "models" / "alpha.toml").read_text()
    path = str(DATA / "good" / "models" / "alpha.toml")
    assert validate_text(text, "models", path, today=dt.date(2024, 1, 1)) == []
    early = validate_text(text, "models", path, today=dt.date(2023, 5, 31))
    assert [p.one_line() for p in early] == [
        f"{path}:35:1: variants[1].released: '2023-06' is in the future (today is 2023-05-31)"
    ]
    # A month is not in the future during that month.
    assert validate_text(text, "models", path, today=dt.date(2023, 6, 1)) == []


def test_schema_errors_are_not_repeated_by_the_checks_beyond_it() -> None:
    text = SINGLE.replace('released = "2023-05"', 'released = "2999-02-30"').replace(
        '"TODO"', '"A summary."\nsources = ["javascript:alert(1)", "javascript:alert(1)"]'
    )
    problems = validate_text(text, "models", "models/solo.toml")
    messages = [p.one_line() for p in problems if p.severity == "error"]
    assert messages == [
        "models/solo.toml:4:1: released: '2999-02-30' is not a real calendar date",
        "models/solo.toml:6:12: sources[0]: 'javascript:alert(1)' is not an http(s) URL",
        "models/solo.toml:6:35: sources[1]: 'javascript:alert(1)' is not an http(s) URL",
    ]
