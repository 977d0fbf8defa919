"""The `llmcat` command: parses arguments and hands them to the library and a renderer."""

from __future__ import annotations

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


def main() -> None:
    app()
