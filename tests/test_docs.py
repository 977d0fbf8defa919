"""The README cannot drift from the code: every command, field and exit code is documented."""

import re
import subprocess
import sys
from pathlib import Path

from llmcat.cli import app
from llmcat.errors import ExitStatus
from llmcat.render.formats import OutputFormat

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_commands() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", README, flags=re.S)
    assert blocks[0] == "pip install . && llmcat list"
    assert blocks[1] == "pip install '.[test]' && python -m pytest"


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install '.[test]' && python -m pytest" in ci


def test_every_command_is_documented() -> None:
    for info in app.registered_commands:
        assert f"llmcat {info.name}" in README, info.name


def test_every_card_field_is_documented() -> None:
    from llmcat.schema import CARD_KINDS, Score, Variant

    for model in (*CARD_KINDS.values(), Variant, Score):
        for field in model.model_fields:
            assert f"`{field}`" in README, f"{model.__name__}.{field}"


def test_every_exit_code_and_format_is_documented() -> None:
    for status in ExitStatus:
        assert f"| {int(status)} |" in README
    for fmt in OutputFormat:
        assert fmt.value in README


def test_the_changelog_has_an_unreleased_section_on_top() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    first = re.search(r"^## (.*)$", changelog, flags=re.M)
    assert first and first.group(1) == "[Unreleased]"


def test_every_env_var_the_code_reads_is_documented() -> None:
    src = ROOT / "src" / "llmcat"
    names = set()
    for path in src.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        names |= set(
            re.findall(
                r"""(?:environ\.get\(|environ\[|getenv\(|envvar=)\s*["']([A-Z_]+)["']""", text
            )
        )
        names |= set(re.findall(r"""_ENV\w*\s*=\s*["']([A-Z_]+)["']""", text))
    ours = {n for n in names if n.startswith(("LLMCAT_", "HF_", "GITHUB_"))}
    missing = [name for name in sorted(ours) if f"`{name}`" not in README]
    assert not missing, missing


def test_the_readme_list_output_is_real() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "llmcat", "list", "--org", "Meta", "-q"],
        capture_output=True,
        text=True,
        check=True,
    )
    section = README.split("`llmcat list --org Meta`:", 1)[1].split("```", 2)[1]
    for card_id in result.stdout.split():
        assert f"│{card_id} " in section or f"│ {card_id} " in section


def test_the_links_workflow_checks_the_repository_catalog() -> None:
    # Without --catalog, `llmcat check` reads the copy inside the installed package, and its
    # annotations name site-packages paths that GitHub cannot place on a pull request.
    workflow = (ROOT / ".github" / "workflows" / "links.yml").read_text(encoding="utf-8")
    runs = [line.strip() for line in workflow.splitlines() if "llmcat check" in line]
    assert runs and all("--catalog catalog" in line for line in runs), runs
