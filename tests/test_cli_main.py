"""The installed `llmcat` entry point, run as a user runs it (a real process)."""

import subprocess
import sys

from llmcat.cli import _named_command


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "llmcat", *args], capture_output=True, text=True, timeout=60
    )


def test_named_command_is_the_first_word_that_is_a_command() -> None:
    assert _named_command(["list", "--org", "Meta"]) == "list"
    assert _named_command(["--version"]) is None
    assert _named_command(["lst"]) is None


def test_main_runs_the_named_command_only() -> None:
    result = run("list", "--org", "Meta", "-q")
    assert result.returncode == 0
    assert result.stdout.split() == ["llama2", "llama3"]


def test_main_help_still_lists_every_command() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("list", "filter", "show", "compare", "check", "validate"):
        assert command in result.stdout


def test_a_mistyped_command_gets_a_suggestion_and_exit_2() -> None:
    result = run("lst")
    assert result.returncode == 2
    assert "list" in result.stderr


def test_a_warm_list_imports_neither_pydantic_nor_httpx() -> None:
    code = (
        "import sys; sys.argv = ['llmcat', 'list']\n"
        "from llmcat.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('MODULES', 'pydantic' in sys.modules, 'httpx' in sys.modules, file=sys.stderr)\n"
    )
    subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    second = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "MODULES False False" in second.stderr


def test_the_command_table_names_every_command_of_the_app() -> None:
    from llmcat.cli import COMMAND_MODULES, app, make_app

    assert {info.name for info in app.registered_commands} == set(COMMAND_MODULES)
    for name in COMMAND_MODULES:
        assert [info.name for info in make_app(name).registered_commands] == [name]
