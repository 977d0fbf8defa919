"""The `llmcat` command: parses arguments and hands them to the library and a renderer."""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    app: typer.Typer

# Which module of llmcat.commands holds each command. A run that names its command imports
# and builds only that one: importing and converting every command for Typer costs more
# than the rest of a warm `llmcat list`.
COMMAND_MODULES = {
    "list": "reading",
    "filter": "reading",
    "show": "reading",
    "compare": "reading",
    "benchmarks": "reading",
    "validate": "maintain",
    "new": "maintain",
    "schema": "maintain",
    "export": "maintain",
    "check": "check",
}


def _version(value: bool) -> None:
    if value:
        from llmcat import __version__

        print(f"llmcat {__version__}")
        raise typer.Exit()


def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """A catalog of open large language models, with verified facts and sources."""


def make_app(only: str | None = None) -> typer.Typer:
    """The Typer app with every command, or with just the command `only`."""
    new = typer.Typer(
        name="llmcat",
        help="A catalog of open large language models, with verified facts and sources.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    new.callback()(_root)
    modules = [COMMAND_MODULES[only]] if only else list(dict.fromkeys(COMMAND_MODULES.values()))
    for module in modules:
        importlib.import_module(f"llmcat.commands.{module}").register(new)
    if only:
        new.registered_commands = [c for c in new.registered_commands if c.name == only]
    return new


def __getattr__(name: str) -> typer.Typer:
    # `from llmcat.cli import app` (tests, embedding) gets the whole app, built once.
    if name == "app":
        globals()["app"] = built = make_app()
        return built
    raise AttributeError(f"module 'llmcat.cli' has no attribute {name!r}")


def _named_command(argv: list[str]) -> str | None:
    first = next((arg for arg in argv if not arg.startswith("-")), None)
    return first if first in COMMAND_MODULES else None


def main() -> None:
    make_app(_named_command(sys.argv[1:]))()
