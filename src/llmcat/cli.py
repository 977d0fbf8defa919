"""The `llmcat` command: parses arguments and hands them to the library and a renderer."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from llmcat.commands import check, maintain, reading

app = typer.Typer(
    name="llmcat",
    help="A catalog of open large language models, with verified facts and sources.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from llmcat import __version__

        print(f"llmcat {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """A catalog of open large language models, with verified facts and sources."""


reading.register(app)
maintain.register(app)
check.register(app)


def _named_command(argv: list[str]) -> str | None:
    first = next((arg for arg in argv if not arg.startswith("-")), None)
    names = {info.name for info in app.registered_commands}
    return first if first in names else None


def main() -> None:
    # Typer turns every registered command into a Click command on each run, which costs
    # more than the rest of a warm `llmcat list`; when a command is named, build only it.
    wanted = _named_command(sys.argv[1:])
    if wanted is not None:
        app.registered_commands = [c for c in app.registered_commands if c.name == wanted]
    app()
