"""`llmcat new`: a valid card from flags, written atomically, never over an existing one."""

from __future__ import annotations

import os
import shutil
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmcat import newcard
from llmcat.cli import app
from llmcat.errors import ExitStatus

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()
FACTS = ["--org", "Mistral AI", "--released", "2023-09-27", "--param", "7.3B"]


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    root = tmp_path / "catalog"
    shutil.copytree(DATA / "good", root)
    return root


def new(*args: str):
    return runner.invoke(app, ["new", *args])


def test_new_writes_a_card_that_validates(catalog: Path) -> None:
    result = new(
        "mistral",
        *FACTS,
        "--param",
        "46.7b",
        "--name",
        "Mistral",
        "--hf",
        "mistralai/Mistral-7B-v0.1",
        "--hf",
        "mistralai/Mixtral-8x7B-v0.1",
        "--arxiv",
        "arXiv:2310.06825",
        "--summary",
        "Mistral AI's first open models.",
        "--source",
        "https://mistral.ai/news/announcing-mistral-7b",
        "--catalog",
        str(catalog),
    )
    path = catalog / "models" / "mistral.toml"
    assert result.exit_code == ExitStatus.OK, result.output
    assert result.stdout.strip() == str(path)
    text = path.read_text()
    assert text.startswith("#:schema ../schema/model-card.schema.json\n")
    assert text.count("[[variants]]") == 2
    data = tomllib.loads(text)
    assert data["links"] == {"arxiv": "https://arxiv.org/abs/2310.06825"}
    assert [v["parameters"] for v in data["variants"]] == ["7.3B", "46.7B"]
    assert [v["name"] for v in data["variants"]] == ["Mistral-7B-v0.1", "Mixtral-8x7B-v0.1"]
    assert data["variants"][1]["huggingface"] == "mistralai/Mixtral-8x7B-v0.1"
    checked = runner.invoke(app, ["validate", "--strict", "--catalog", str(catalog)])
    assert checked.exit_code == ExitStatus.OK, checked.output
    listed = runner.invoke(app, ["list", "-q", "--catalog", str(catalog)])
    assert "mistral" in listed.stdout.split()
    # An ordinary file, not the 0600 of a temporary one; no temporary file left behind.
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    assert sorted(p.name for p in (catalog / "models").iterdir() if p.name.startswith(".")) == []


def test_with_only_the_required_flags_the_card_passes_validate_with_warnings(
    catalog: Path,
) -> None:
    assert new("solo", *FACTS, "-c", str(catalog)).exit_code == ExitStatus.OK
    result = runner.invoke(app, ["validate", "-c", str(catalog)])
    assert result.exit_code == ExitStatus.OK
    assert "warning: summary: the summary is still a placeholder" in result.stdout
    assert "warning: sources: no sources" in result.stdout


def test_the_schema_line_points_at_the_nearest_schema_file(catalog: Path) -> None:
    # No schema/ near a temp catalog: one is written into it, and the card points there.
    result = new("solo", *FACTS, "-c", str(catalog))
    written = catalog / "schema" / "model-card.schema.json"
    assert written.read_text() == newcard.schema_text("models")
    assert f"wrote {written}" in result.stderr
    # In this repository the card points at the shipped schema/ folder.
    assert newcard.find_schema(REPO / "catalog") == REPO / "schema" / "model-card.schema.json"


@pytest.mark.parametrize(
    ("card_id", "message"),
    [
        ("../evil", "is not a card id"),
        ("a/b", "is not a card id"),
        ("..", "is not a card id"),
        ("Llama3", "is not a card id"),
        ("", "is not a card id"),
    ],
)
def test_new_refuses_ids_that_are_not_slugs(catalog: Path, card_id: str, message: str) -> None:
    before = sorted(p.name for p in catalog.rglob("*"))
    result = new(card_id, *FACTS, "-c", str(catalog))
    assert result.exit_code == ExitStatus.USAGE
    assert message in result.stderr
    assert sorted(p.name for p in catalog.rglob("*")) == before


def test_new_refuses_an_existing_card_or_id(catalog: Path) -> None:
    original = (catalog / "models" / "alpha.toml").read_bytes()
    result = new("alpha", *FACTS, "-c", str(catalog))
    assert result.exit_code == ExitStatus.USAGE
    assert "already exists; nothing was written" in result.stderr
    assert (catalog / "models" / "alpha.toml").read_bytes() == original
    # The same id spelled differently, or an id taken in another kind of card.
    assert "already used by" in new("al-pha", *FACTS, "-c", str(catalog)).stderr
    assert "already used by" in new("quiz", *FACTS, "-c", str(catalog)).stderr


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--released", "2023-13"], "--released: '2023-13' is not a real calendar date"),
        (["--param", "seven"], "--param: 'seven' is not a size"),
        (["--arxiv", "1234"], "--arxiv: '1234' is not an arXiv id"),
        (["--hf", "a/b", "--hf", "c/d"], "give one --hf per --param"),
        (["--hf", "not a repo"], "is not a Hugging Face repo id"),
        (["--released", "2999-01"], "is in the future"),
    ],
)
def test_new_validates_before_writing(catalog: Path, flags: list[str], message: str) -> None:
    args = FACTS.copy()
    for flag, value in zip(flags[::2], flags[1::2], strict=True):
        if flag in args and flag != "--hf":
            args[args.index(flag) + 1] = value
        else:
            args += [flag, value]
    result = new("solo", *args, "-c", str(catalog))
    assert result.exit_code == ExitStatus.USAGE
    assert message in result.stderr
    assert not (catalog / "models" / "solo.toml").exists()
    assert not (catalog / "schema").exists()


def test_new_needs_its_required_flags_and_a_catalog(tmp_path: Path) -> None:
    assert new("solo", "--org", "x").exit_code == ExitStatus.USAGE
    result = new("solo", *FACTS, "-c", str(tmp_path / "missing"))
    assert result.exit_code == ExitStatus.USAGE
    assert "no such catalog folder" in result.stderr


def test_an_interrupted_write_leaves_nothing(catalog: Path, monkeypatch) -> None:
    (catalog / "schema").mkdir()
    (catalog / "schema" / "model-card.schema.json").write_text("{}")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    facts = newcard.NewCard("solo", organization="x", released="2023-01", parameters=("7B",))
    with pytest.raises(KeyboardInterrupt):
        newcard.create_card(catalog, facts)
    assert sorted(p.name for p in (catalog / "models").iterdir()) == [
        "alpha-chat.toml",
        "alpha.toml",
        "beta.toml",
    ]
