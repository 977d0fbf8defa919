"""Writing cards: `llmcat new` (a model card from a few facts) and `llmcat schema`.

A new card is built as data, written with tomli-w, validated as text exactly as it will be
on disk, and only then written, atomically and without replacing an existing file.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmcat.errors import Problem
from llmcat.units import parse_count, parse_date

SCHEMA_FOLDER = "schema"
# `llmcat schema` for the kind; its file name under schema/, to which `#:schema` points.
SCHEMA_FILES = {
    "models": "model-card.schema.json",
    "benchmarks": "benchmark-card.schema.json",
    "leaderboards": "leaderboard-card.schema.json",
    "resources": "resource-card.schema.json",
}
PLACEHOLDER_SUMMARY = "TODO: what the model is, in a few sentences, with its sources below."
_SLUG_RE = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")


class NewCardError(Exception):
    """The card cannot be written; nothing was written."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass(frozen=True)
class NewCard:
    """The facts given to `llmcat new`."""

    id: str
    name: str | None = None
    organization: str | None = None
    released: str | None = None
    parameters: tuple[str, ...] = ()
    huggingface: tuple[str, ...] = ()
    arxiv: str | None = None
    summary: str | None = None
    sources: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Written:
    """What `create_card` did."""

    path: Path
    schema_ref: str
    schema_written: Path | None  # a schema file it had to create for the `#:schema` line


# -- the JSON Schema --------------------------------------------------------------------


def card_json_schema(kind: str = "models") -> dict[str, Any]:
    """The JSON Schema of a card of `kind`, for editors (taplo, Even Better TOML)."""
    from llmcat.schema import CARD_KINDS, FORMAT_VERSION

    schema = CARD_KINDS[kind].model_json_schema()
    _drop_nulls(schema)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"llmcat {kind[:-1]} card (format {FORMAT_VERSION})",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def _drop_nulls(node: Any) -> None:
    """TOML has no null: `X | None` fields are optional keys, not nullable ones.

    Also turns Python's end-of-text `\\Z` into JSON Schema's (ECMA 262) `$`.
    """
    if isinstance(node, dict):
        options = node.get("anyOf")
        if isinstance(options, list):
            kept = [o for o in options if o != {"type": "null"}]
            if len(kept) != len(options):
                node.pop("default", None)
                if len(kept) == 1:
                    del node["anyOf"]
                    node.update(kept[0])
                else:
                    node["anyOf"] = kept
        if isinstance(node.get("pattern"), str):
            node["pattern"] = node["pattern"].replace("\\Z", "$")
        for value in node.values():
            _drop_nulls(value)
    elif isinstance(node, list):
        for value in node:
            _drop_nulls(value)


def schema_text(kind: str = "models") -> str:
    return json.dumps(card_json_schema(kind), indent=2, ensure_ascii=False) + "\n"


# -- a new card -------------------------------------------------------------------------


def check_id(card_id: str) -> None:
    if not _SLUG_RE.match(card_id):
        raise NewCardError(
            f"'{card_id}' is not a card id: use a lowercase slug such as 'llama3' or 'qwen1.5' "
            "(letters, digits, '-' and '.'; no '/' or '..')"
        )


def _size(text: str) -> str:
    try:
        parse_count(text.strip())
    except ValueError as exc:
        raise NewCardError(f"--param: {exc}") from None
    return text.strip()[:-1] + text.strip()[-1].upper()


def _arxiv_url(text: str) -> str:
    from llmcat.validate import arxiv_id

    value = text.strip()
    for prefix in ("https://arxiv.org/abs/", "http://arxiv.org/abs/", "arXiv:", "arxiv:"):
        value = value.removeprefix(prefix)
    if arxiv_id(value) is None:
        raise NewCardError(f"--arxiv: '{text}' is not an arXiv id such as 2307.09288")
    return f"https://arxiv.org/abs/{value}"


def card_data(facts: NewCard) -> dict[str, Any]:
    """The card as data, keys in the order cards are written in."""
    check_id(facts.id)
    if not facts.parameters:
        raise NewCardError("give at least one size with --param, e.g. --param 7B")
    if facts.huggingface and len(facts.huggingface) != len(facts.parameters):
        raise NewCardError("give one --hf per --param, in the same order")
    name = facts.name or facts.id
    data: dict[str, Any] = {"id": facts.id, "name": name}
    data["organization"] = facts.organization
    if facts.released is not None:
        try:
            data["released"] = parse_date(facts.released)
        except ValueError as exc:
            raise NewCardError(f"--released: {exc}") from None
    data["summary"] = facts.summary or PLACEHOLDER_SUMMARY
    data["sources"] = list(facts.sources)
    links: dict[str, Any] = {}
    if facts.arxiv:
        links["arxiv"] = _arxiv_url(facts.arxiv)
    if links:
        data["links"] = links
    variants = []
    for i, size in enumerate(facts.parameters):
        variant: dict[str, Any] = {"name": f"{name} {_size(size)}", "parameters": _size(size)}
        if facts.huggingface:
            repo = facts.huggingface[i].strip()
            variant["name"] = repo.rsplit("/", 1)[-1] or variant["name"]
            variant["huggingface"] = repo
        variants.append(variant)
    data["variants"] = variants
    return {k: v for k, v in data.items() if v is not None}


def card_text(data: dict[str, Any], schema_ref: str) -> str:
    import tomli_w

    # Variants as `[[variants]]` tables, as cards are written by hand (tomli-w would inline
    # short ones).
    head = {k: v for k, v in data.items() if k != "variants"}
    parts = [f"#:schema {schema_ref}\n", tomli_w.dumps(head, multiline_strings=True)]
    for variant in data.get("variants", []):
        parts.append("\n[[variants]]\n" + tomli_w.dumps(variant, multiline_strings=True))
    return "".join(parts)


def find_schema(root: Path, kind: str = "models", levels: int = 3) -> Path | None:
    """The nearest `schema/<kind>.schema.json` in the catalog folder or above it."""
    folder = root.resolve()
    for _ in range(levels + 1):
        candidate = folder / SCHEMA_FOLDER / SCHEMA_FILES[kind]
        if candidate.is_file():
            return candidate
        if folder.parent == folder:
            break
        folder = folder.parent
    return None


def create_card(root: Path, facts: NewCard) -> Written:
    """Write `root/models/<id>.toml`; raise NewCardError (writing nothing) if it cannot."""
    from llmcat.catalog import normalize_name
    from llmcat.validate import validate_text

    check_id(facts.id)
    if not root.is_dir():
        raise NewCardError(f"no such catalog folder: '{root}'")
    folder = root / "models"
    path = folder / f"{facts.id}.toml"
    if path.exists() or path.is_symlink():
        raise NewCardError(f"'{path}' already exists")
    other = _taken_ids(root).get(normalize_name(facts.id))
    if other:
        raise NewCardError(f"the id '{facts.id}' is already used by {other}")
    data = card_data(facts)

    schema = find_schema(root)
    schema_written = None
    if schema is None:
        schema = root / SCHEMA_FOLDER / SCHEMA_FILES["models"]
        schema_written = schema
    schema_ref = Path(os.path.relpath(schema.resolve(), folder.resolve())).as_posix()
    text = card_text(data, schema_ref)
    problems = [p for p in validate_text(text, "models", str(path)) if p.severity == "error"]
    if problems:
        raise NewCardError("the card would not be valid; nothing was written", problems)

    folder.mkdir(exist_ok=True)
    if schema_written is not None:
        schema_written.parent.mkdir(exist_ok=True)
        write_file(schema_written, schema_text("models"))
    try:
        write_file(path, text, exclusive=True)
    except FileExistsError:
        raise NewCardError(f"'{path}' already exists") from None
    return Written(path, schema_ref, schema_written)


def write_file(path: Path, text: str, *, exclusive: bool = False) -> None:
    """`write_atomic`, then the mode a new file normally gets (mkstemp makes it 0600)."""
    from llmcat.fsutil import write_atomic

    write_atomic(path, text, exclusive=exclusive)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def _taken_ids(root: Path) -> dict[str, str]:
    """Normalised ids of the catalog's existing cards (their file names), to refuse clashes."""
    from llmcat.catalog import KINDS, normalize_name

    taken: dict[str, str] = {}
    for kind in KINDS:
        try:
            names = os.listdir(root / kind)
        except OSError:
            continue
        for name in names:
            if name.endswith(".toml") and not name.startswith("."):
                taken.setdefault(normalize_name(name[:-5]), str(root / kind / name))
    return taken
