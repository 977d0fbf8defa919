"""Loading catalogs: TOML cards on disk -> validated, JSON-shaped dicts.

A catalog is a folder holding `models/*.toml` and optionally `benchmarks/`, `leaderboards/`
and `resources/`. Every problem in every card is collected before anything is reported.

Validated cards are cached (see `CardCache`), so a warm run parses no TOML and does not
import pydantic at all.
"""

from __future__ import annotations

import gc
import json
import os
import re
import sys
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG
from typing import Any

from llmcat.errors import CatalogError, Problem
from llmcat.paths import NO_CACHE_ENV, cache_dir
from llmcat.tomlpos import KeyIndex, KeyPath

KINDS = ("models", "benchmarks", "leaderboards", "resources")
_TOML_ERROR_RE = re.compile(r"^(?P<msg>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)$")


@dataclass(frozen=True)
class Card:
    """One card: its kind (the folder it is in), where it came from, and its data."""

    kind: str
    path: str
    data: dict[str, Any]

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def name(self) -> str:
        return self.data["name"]


@dataclass(frozen=True)
class Catalog:
    """All cards of one or more catalog folders."""

    roots: tuple[Path, ...]
    cards: tuple[Card, ...]

    def of_kind(self, kind: str) -> list[Card]:
        return [card for card in self.cards if card.kind == kind]

    @property
    def models(self) -> list[Card]:
        return self.of_kind("models")

    def by_id(self) -> dict[str, Card]:
        return {card.id: card for card in self.cards}


# -- reading one card --------------------------------------------------------------------


def decode_card(raw: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """Bytes -> text, accepting a UTF-8 byte-order mark; invalid UTF-8 is a located problem."""
    if not raw.removeprefix(b"\xef\xbb\xbf").strip():
        return None, [Problem(path, 1, 1, message="the file is empty; a card needs at least 'id'")]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [Problem(path, line, column, message="the file is not valid UTF-8")]


def parse_toml(text: str, path: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    import tomllib  # only on a cache miss

    try:
        return tomllib.loads(text), []
    except RecursionError:
        problem = Problem(path, 1, 1, message="invalid TOML: arrays or tables nested too deeply")
        return None, [problem]
    except ValueError as exc:
        if not isinstance(exc, tomllib.TOMLDecodeError):
            # Python refuses integers of more than 4,300 digits.
            return None, [Problem(path, 1, 1, message="invalid TOML: a number is too long")]
        message = str(exc)
        if message.endswith("(at end of document)"):
            # Point at the last line, so that every problem has a line to jump to.
            last = max(1, len(text.rstrip().splitlines()))
            message = message.removesuffix("(at end of document)").rstrip()
            message += f" (at line {last}, column 1)"
        match = _TOML_ERROR_RE.match(message)
        if match:
            return None, [
                Problem(
                    path,
                    int(match["line"]),
                    int(match["col"]),
                    message=f"invalid TOML: {_lower_first(match['msg'])}",
                )
            ]
        return None, [Problem(path, message=f"invalid TOML: {_lower_first(message)}")]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def validate_card(
    raw: dict[str, Any], kind: str, path: str, text: str
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Check one parsed card against the schema of its kind; return its JSON-shaped data."""
    from pydantic import ValidationError

    from llmcat.schema import CARD_KINDS

    model = CARD_KINDS[kind]
    problems: list[Problem] = []
    try:
        card = model.model_validate(raw)
    except ValidationError as exc:
        index = KeyIndex(text)
        for error in exc.errors(include_url=False):
            problems.append(_problem_from_error(error, model, path, index))
        return None, problems
    data = card.model_dump(mode="json")
    stem = Path(path).stem
    if data["id"] != stem:
        index = KeyIndex(text)
        line, column = index.locate(("id",)) or (None, None)
        problems.append(
            Problem(path, line, column, "id", f"'{data['id']}' must equal the file name '{stem}'")
        )
        return None, problems
    return data, problems


def format_key(loc: Iterable[str | int]) -> str:
    """`("variants", 1, "parameters")` -> `variants[1].parameters`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _problem_from_error(error: Any, model: Any, path: str, index: KeyIndex) -> Problem:
    # pydantic adds validator names ("function-after[...]") to locations; drop them. The last
    # part of an unknown key's location is the key as written, whatever characters it has.
    kind = error["type"]
    raw_loc = tuple(error["loc"])
    if kind == "extra_forbidden" and raw_loc:
        loc: KeyPath = (*_drop_tags(raw_loc[:-1]), raw_loc[-1])
    else:
        loc = _drop_tags(raw_loc)
    position = index.locate(loc) or (None, None)
    if position == (None, None) and kind == "missing":
        position = (1, 1)  # a missing top-level key has no line of its own
    if kind == "extra_forbidden" and loc:
        key = str(loc[-1])
        known = _fields_at(model, loc[:-1])
        import difflib

        hint = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        message = f"unknown key '{key}'" + (f"; did you mean '{hint[0]}'?" if hint else "")
        parent = format_key(loc[:-1])
        return Problem(path, *position, parent or None, message)
    if kind == "missing":
        return Problem(path, *position, format_key(loc), "required key is missing")
    message = error["msg"]
    if kind.endswith("_type") or kind in ("model_type", "list_type", "dict_type"):
        got = type(error.get("input")).__name__
        message = f"{_lower_first(message)}, got {_toml_type(got)}"
    elif message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    else:
        message = _lower_first(message)
    return Problem(path, *position, format_key(loc), message)


def _drop_tags(loc: tuple[Any, ...]) -> KeyPath:
    return tuple(part for part in loc if isinstance(part, int) or "[" not in str(part))


def _toml_type(python_name: str) -> str:
    return {
        "str": "a string",
        "int": "an integer",
        "float": "a float",
        "bool": "a boolean",
        "list": "an array",
        "dict": "a table",
        "date": "a date",
        "datetime": "a date-time",
        "time": "a time",
    }.get(python_name, python_name)


def _fields_at(model: Any, loc: KeyPath) -> list[str]:
    """The keys allowed at `loc` inside `model`, for "did you mean" hints."""
    from typing import get_args

    from pydantic import BaseModel

    current = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part)
        if field is None:
            return []
        annotation = field.annotation
        candidates = [annotation, *get_args(annotation)]
        for arg in list(candidates):
            candidates.extend(get_args(arg))
        current = next(
            (c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None
        )
        if current is None:
            return []
    return list(current.model_fields)


def read_card(path: Path, kind: str, display: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Read, parse and validate one card file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(display, message=f"cannot read the file: {exc.strerror}")]
    text, problems = decode_card(raw, display)
    if text is None:
        return None, problems
    parsed, problems = parse_toml(text, display)
    if parsed is None:
        return None, problems
    return validate_card(parsed, kind, display, text)


# -- the cache ------------------------------------------------------------------------------


class CardCache:
    """Validated cards of one catalog folder, keyed on each file's stat.

    One file per catalog folder in the user cache directory: a JSON header line (code
    version, catalog folder, checksum) and the entries as JSON. It is only an accelerator:
    safe to delete, ignored when unreadable or damaged, and rewritten atomically. An entry is
    never stale: it is used only while the file's size, mtime, ctime and inode are unchanged
    (ctime changes on every write and cannot be set back, so even a tool that restores the
    mtime is noticed), and files changed within the last seconds are not stored, because a
    rewrite within the file system's timestamp resolution would otherwise go unnoticed
    ("racy" entries, as git calls them). The code's own version is part of the key.
    """

    RACY_SECONDS_DEFAULT = 2.0
    RACY_SECONDS = RACY_SECONDS_DEFAULT

    def __init__(self, root: Path) -> None:
        self.enabled = not os.environ.get(NO_CACHE_ENV)
        self.root = str(root.resolve())
        # A cheap name for the file (hashlib costs 10 ms to import); the root is stored
        # inside and checked, so a collision only costs a miss.
        digest = f"{zlib.crc32(self.root.encode()):08x}"
        self.path = cache_dir() / f"cards-{digest}.json"
        self.key = _code_key()
        self.entries: dict[str, list[Any]] = {}
        self.dirty = False
        if self.enabled:
            self._load()

    def _header(self, body: bytes) -> bytes:
        return json.dumps([self.key, self.root, zlib.crc32(body)]).encode()

    def _load(self) -> None:
        try:
            with open(self.path, "rb") as handle:
                header, _, body = handle.read().partition(b"\n")
        except OSError:
            return
        if header != self._header(body):
            return  # another version, another folder, or damaged
        # Building thousands of small dicts triggers the cyclic garbage collector again and
        # again for nothing (they hold no cycles); pausing it makes loading 5x faster.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            entries = json.loads(body)
        except (ValueError, RecursionError):
            return
        finally:
            if was_enabled:
                gc.enable()
        if isinstance(entries, dict):
            self.entries = entries

    @staticmethod
    def _stamp(stat: os.stat_result, kind: str) -> list[Any]:
        return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, kind]

    def get(self, name: str, stat: os.stat_result, kind: str) -> dict[str, Any] | None:
        entry = self.entries.get(name)
        if (
            isinstance(entry, list)
            and len(entry) == 6
            and entry[:5] == self._stamp(stat, kind)
            and isinstance(entry[5], dict)
        ):
            return entry[5]
        return None

    def put(self, name: str, stat: os.stat_result, kind: str, data: dict[str, Any]) -> None:
        if time.time() - max(stat.st_mtime, stat.st_ctime) < self.RACY_SECONDS:
            return
        self.entries[name] = [*self._stamp(stat, kind), data]
        self.dirty = True

    def save(self, keep: set[str]) -> None:
        stale = set(self.entries) - keep
        for name in stale:
            del self.entries[name]
        if not self.enabled or not (self.dirty or stale):
            return
        from llmcat.fsutil import write_atomic

        body = json.dumps(self.entries, separators=(",", ":")).encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, self._header(body) + b"\n" + body)
        except OSError:
            pass  # a read-only or full cache folder only costs speed


def _code_key() -> str:
    # The schema module's own stat changes with every edit or upgrade of llmcat.
    schema = Path(__file__).with_name("schema.py")
    try:
        st = schema.stat()
        stamp = f"{st.st_size}-{st.st_mtime_ns}"
    except OSError:
        stamp = "?"
    return f"1|{sys.version_info[:2]}|{stamp}"


# -- loading catalogs ----------------------------------------------------------------------


MAX_CARD_BYTES = 1024 * 1024  # a card is a few KB; anything this large is a mistake


def _card_files(root: Path, kind: str, problems: list[Problem]) -> Iterator[os.DirEntry[str]]:
    folder = root / kind
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError as exc:
        problems.append(Problem(str(folder), message=f"cannot read the folder: {exc.strerror}"))
        return
    for entry in entries:
        if entry.name.endswith(".toml") and not entry.name.startswith("."):
            yield entry


def load_root(root: Path) -> tuple[list[Card], list[Problem]]:
    """All cards of one catalog folder, and every problem found in them."""
    display_root = str(root)
    if not root.is_dir():
        return [], [Problem(display_root, message="no such catalog folder")]
    if not (root / "models").is_dir():
        return [], [Problem(display_root, message="not a catalog: it has no 'models' folder")]
    cache = CardCache(root)
    cards: list[Card] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for kind in KINDS:
        for entry in _card_files(root, kind, problems):
            name = f"{kind}/{entry.name}"
            display = os.path.join(display_root, kind, entry.name)
            seen.add(name)
            try:
                stat = entry.stat()
            except OSError as exc:
                problems.append(Problem(display, message=f"cannot read the file: {exc.strerror}"))
                continue
            # Never open a FIFO, a device or a huge file: it would hang or eat memory.
            if not S_ISREG(stat.st_mode):
                problems.append(Problem(display, message="not a regular file"))
                continue
            if stat.st_size > MAX_CARD_BYTES:
                problems.append(Problem(display, message="larger than 1 MiB; a card is a few KB"))
                continue
            data = cache.get(name, stat, kind) if cache.enabled else None
            if data is None:
                data, found = read_card(Path(entry.path), kind, display)
                problems.extend(found)
                if data is None:
                    continue
                cache.put(name, stat, kind, data)
            cards.append(Card(kind, display, data))
    cache.save(seen)
    return cards, problems


def check_unique(cards: list[Card]) -> list[Problem]:
    """Ids and aliases name one card each, across every catalog loaded together."""
    problems: list[Problem] = []
    owners: dict[str, Card] = {}
    for card in cards:
        aliases = card.data.get("aliases", [])
        names = [("id", card.id)] + [(f"aliases[{i}]", a) for i, a in enumerate(aliases)]
        for key, value in names:
            token = normalize_name(value)
            other = owners.get(token)
            if other is None:
                owners[token] = card
            elif other is not card:
                problems.append(_located(card, key, f"'{value}' is already used by {other.path}"))
    return problems


def _located(card: Card, key: str, message: str) -> Problem:
    """A problem at `key` of a card, with the line looked up in its text."""
    path_parts: list[str | int] = []
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", key):
        path_parts.append(int(part[1:-1]) if part.startswith("[") else part)
    try:
        index = KeyIndex(Path(card.path).read_text(encoding="utf-8-sig"))
        line, column = index.locate(tuple(path_parts)) or (None, None)
    except (OSError, UnicodeDecodeError):
        line = column = None
    return Problem(card.path, line, column, key, message)


def normalize_name(text: str) -> str:
    """How names are matched: case, spaces, dots, dashes and underscores do not count."""
    return re.sub(r"[\s._-]+", "", text).casefold()


def load_catalog(roots: Iterable[Path]) -> Catalog:
    """Load every card of every root; raise CatalogError listing every problem found."""
    # The same folder named twice (e.g. -c catalog --with-bundled) is read once.
    unique: dict[Path, Path] = {}
    for root in roots:
        unique.setdefault(root.resolve(), root)
    roots = tuple(unique.values())
    cards: list[Card] = []
    problems: list[Problem] = []
    for root in roots:
        found_cards, found = load_root(root)
        cards.extend(found_cards)
        problems.extend(found)
    problems.extend(check_unique(cards))
    if problems:
        raise CatalogError(problems)
    return Catalog(roots, tuple(cards))
