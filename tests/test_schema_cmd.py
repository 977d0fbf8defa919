"""`llmcat schema`: the JSON Schema of cards, and the shipped copies under schema/."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcat.cli import app
from llmcat.errors import ExitStatus
from llmcat.newcard import SCHEMA_FILES

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
runner = CliRunner()


@pytest.mark.parametrize("kind", sorted(SCHEMA_FILES))
def test_the_shipped_schema_files_are_up_to_date(kind: str) -> None:
    result = runner.invoke(app, ["schema", "--kind", kind])
    assert result.exit_code == ExitStatus.OK
    shipped = REPO / "schema" / SCHEMA_FILES[kind]
    assert shipped.read_text(encoding="utf-8") == result.stdout, (
        f"regenerate with: llmcat schema --kind {kind} -o schema/{SCHEMA_FILES[kind]}"
    )


def test_the_model_schema_describes_what_cards_may_hold() -> None:
    schema = json.loads(runner.invoke(app, ["schema"]).stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {
        "id",
        "name",
        "organization",
        "released",
        "summary",
        "variants",
    }
    props = schema["properties"]
    assert "null" not in json.dumps(schema)  # TOML has no null
    assert "\\Z" not in json.dumps(schema)  # Python-only regex syntax; editors use ECMA 262
    variant = schema["$defs"]["Variant"]["properties"]
    # Sizes may be written "7B" or as integers; links as one URL or several.
    assert {o["type"] for o in variant["parameters"]["anyOf"]} == {"integer", "string"}
    link = schema["$defs"]["Links"]["properties"]["huggingface"]
    assert [o["type"] for o in link["anyOf"]] == ["string", "array"]
    assert "en" in props["languages"]["items"]["enum"]
    assert re.match(props["id"]["pattern"], "qwen1.5")
    assert not re.match(props["id"]["pattern"], "../x")


def _matches(value: object, node: dict, defs: dict) -> bool:
    """A small JSON Schema check, enough for the keywords `llmcat schema` uses."""
    if "$ref" in node:
        return _matches(value, defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    if "anyOf" in node:
        return any(_matches(value, option, defs) for option in node["anyOf"])
    if "enum" in node:
        return value in node["enum"]
    kind = node.get("type")
    if kind == "object":
        if not isinstance(value, dict) or not set(node.get("required", [])) <= set(value):
            return False
        props = node.get("properties", {})
        if node.get("additionalProperties") is False and not set(value) <= set(props):
            return False
        return all(_matches(v, props[k], defs) for k, v in value.items() if k in props)
    if kind == "array":
        return isinstance(value, list) and all(_matches(v, node["items"], defs) for v in value)
    if kind == "string":
        value = value.isoformat() if hasattr(value, "isoformat") else value  # TOML dates
        return isinstance(value, str) and bool(re.search(node.get("pattern", ""), value))
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return True


@pytest.mark.parametrize("card", sorted((REPO / "catalog").rglob("*.toml")), ids=lambda p: p.stem)
def test_every_bundled_card_matches_its_schema(card: Path) -> None:
    kind = card.parent.name
    schema = json.loads((REPO / "schema" / SCHEMA_FILES[kind]).read_text())
    data = tomllib.loads(card.read_text(encoding="utf-8-sig"))
    assert _matches(data, schema, schema.get("$defs", {}))


def test_a_bad_card_does_not_match() -> None:
    schema = json.loads((REPO / "schema" / SCHEMA_FILES["models"]).read_text())
    for case in ("unknown-key", "missing-key", "wrong-type", "bad-language"):
        data = tomllib.loads((DATA / "bad" / f"{case}.toml").read_text())
        assert not _matches(data, schema, schema["$defs"]), case


def test_bad_kind_is_a_usage_error() -> None:
    result = runner.invoke(app, ["schema", "--kind", "nope"])
    assert result.exit_code == ExitStatus.USAGE


def test_kind_may_be_singular_as_in_the_benchmarks_command() -> None:
    singular = runner.invoke(app, ["schema", "--kind", "benchmark"])
    plural = runner.invoke(app, ["schema", "--kind", "benchmarks"])
    assert singular.exit_code == 0 and singular.stdout == plural.stdout
    wrong = runner.invoke(app, ["schema", "--kind", "benchmarkz"])
    assert wrong.exit_code == 2 and "is not one of models, benchmarks" in wrong.output
