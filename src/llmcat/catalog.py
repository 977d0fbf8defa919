"""Loading catalogs: TOML cards on disk -> validated, JSON-shaped dicts.

A catalog is a folder holding `models/*.toml` and optionally `benchmarks/`, `leaderboards/`
and `resources/`. Every problem in every card is collected before anything is reported.

Validated cards are cached (see `CardCache`), so a warm run parses no TOML and does not
import pydantic at all.
"""

from __future__ import annotations

import contextlib
import gc
import json
import marshal
import os
import re
import sys
import time
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from stat import S_ISREG
from typing import TYPE_CHECKING, Any, NamedTuple

from llmcat.errors import CatalogError, Problem
from llmcat.paths import NO_CACHE_ENV, cache_dir

if TYPE_CHECKING:
    from llmcat.tomlpos import KeyIndex, KeyPath

KINDS = ("models", "benchmarks", "leaderboards", "resources")
_TOML_ERROR_RE = re.compile(r"^(?P<msg>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)$")


# Long prose and URL lists: what listings, filters on the usual fields and sorting never
# read. A card keeps them as JSON text until something asks for them.
LONG_KEYS = frozenset({"summary", "highlights", "architecture", "notes", "sources", "links"})


class Card:
    """One card: its kind (the folder it is in), where it came from, and its data.

    A warm `list` of 10,000 cards must not decode 10,000 cards' prose, so a card from the
    cache carries only what every listing needs (id, name, aliases, their normalised forms
    for lookup, and its `list` cells); `light` (every field but the long ones, LONG_KEYS, for
    filtering and sorting) and `data` (the whole validated card) are decoded on first use.
    """

    __slots__ = (
        "_data",
        "_light",
        "_light_text",
        "_store",
        "_text",
        "aliases",
        "cells",
        "id",
        "keys",
        "kind",
        "name",
        "path",
    )

    def __init__(
        self,
        kind: str,
        path: str,
        *,
        id: str,
        name: str,
        aliases: tuple[str, ...],
        keys: tuple[str, ...],
        cells: dict[str, str],
        light_text: Any = None,
        text: Any = None,
        data: dict[str, Any] | None = None,
        store: _TextStore | None = None,
    ) -> None:
        self.kind, self.path, self.id, self.name = kind, path, id, name
        self.aliases, self.keys, self.cells = aliases, keys, cells
        # Bytes of JSON, or (offset, length, crc) of them in `store`.
        self._light_text, self._text, self._data, self._store = light_text, text, data, store
        self._light: dict[str, Any] | None = None if data is None else light_fields(data)

    @classmethod
    def from_data(cls, kind: str, path: str, data: dict[str, Any]) -> Card:
        from llmcat.describe import list_cells

        aliases = tuple(data.get("aliases", []))
        return cls(
            kind,
            path,
            id=data["id"],
            name=data["name"],
            aliases=aliases,
            keys=tuple(normalize_name(n) for n in (data["id"], *aliases)),
            cells=list_cells(data) if kind == "models" else {},
            data=data,
        )

    def cache_entry(self) -> tuple[Any, ...]:
        def dump(value: dict[str, Any]) -> bytes:
            # Bytes, not str: marshal loads bytes without decoding them, and json.loads
            # takes bytes when (if ever) the card is needed.
            return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()

        return (
            self.id,
            self.name,
            self.aliases,
            self.keys,
            self.cells,
            dump(self.light),
            dump(self.data),
        )

    @classmethod
    def from_cache_entry(
        cls, kind: str, path: str, entry: tuple[Any, ...], store: _TextStore | None
    ) -> Card:
        # Called once a card on every warm run: set the slots directly, without __init__.
        card = cls.__new__(cls)
        card.kind, card.path, card._store, card._data, card._light = kind, path, store, None, None
        (card.id, card.name, card.aliases, card.keys, card.cells, card._light_text, card._text) = (
            entry
        )
        return card

    @property
    def light(self) -> dict[str, Any]:
        if self._light is None:
            self._light = self._decode(self._light_text)
        return self._light

    @property
    def data(self) -> dict[str, Any]:
        if self._data is None:
            self._data = self._decode(self._text)
        return self._data

    def _decode(self, blob: Any) -> dict[str, Any]:
        raw = blob if isinstance(blob, bytes) or self._store is None else self._store.read(blob)
        if isinstance(raw, bytes):
            try:
                return json.loads(raw)
            except ValueError:
                pass
        # The cached text is gone or damaged: read the card itself again.
        data, problems = read_card(self.path, self.kind, self.path)
        if data is None:
            raise CatalogError(problems)
        self._data, self._light = data, light_fields(data)
        return data if blob is self._text else self._light

    def __repr__(self) -> str:
        return f"Card({self.kind!r}, {self.path!r}, id={self.id!r})"


def light_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in LONG_KEYS}


class Catalog(NamedTuple):
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
        from llmcat.tomlpos import KeyIndex  # only when there is a problem to locate

        index = KeyIndex(text)
        for error in exc.errors(include_url=False):
            problems.append(_problem_from_error(error, model, path, index))
        return None, problems
    data = card.model_dump(mode="json")
    stem = os.path.splitext(os.path.basename(path))[0]
    if data["id"] != stem:
        from llmcat.tomlpos import KeyIndex  # only when there is a problem to locate

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


def read_toml(
    path: str | os.PathLike[str], display: str
) -> tuple[tuple[str, dict[str, Any]] | None, list[Problem]]:
    """Read and parse one card file: its text and its table, or the problems found."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        return None, [Problem(display, message=f"cannot read the file: {exc.strerror}")]
    text, problems = decode_card(raw, display)
    if text is None:
        return None, problems
    parsed, problems = parse_toml(text, display)
    if parsed is None:
        return None, problems
    return (text, parsed), []


def read_card(
    path: str | os.PathLike[str], kind: str, display: str
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Read, parse and validate one card file."""
    read, problems = read_toml(path, display)
    if read is None:
        return None, problems
    text, parsed = read
    return validate_card(parsed, kind, display, text)


# -- the cache ------------------------------------------------------------------------------


class _TextStore:
    """The memory-mapped cache file from which cards read their JSON text when asked."""

    def __init__(self, buffer: Any, base: int) -> None:
        self.buffer = buffer
        self.base = base

    def read(self, ref: tuple[int, int, int]) -> bytes | None:
        offset, length, crc = ref
        try:
            raw = bytes(self.buffer[self.base + offset : self.base + offset + length])
        except (ValueError, TypeError):  # closed
            return None
        return raw if zlib.crc32(raw) == crc else None


class CardCache:
    """Validated cards of one catalog folder, keyed on each file's stat.

    One file per catalog folder in the user cache directory: a JSON header line (code
    version, catalog folder, index size and checksum), a marshalled index (for each card its
    stat, id, name, aliases and `list` cells, and where its JSON text lies), then the cards'
    JSON texts. The file is memory-mapped, so a warm `list` reads the index and never the
    prose; a card's text is read, checked against its own checksum, and decoded only when
    asked for.

    It is only an accelerator: safe to delete, ignored when unreadable or damaged, and
    rewritten atomically (a mapped file that is replaced keeps its old contents). An entry
    is never stale: it is used only while the file's size, mtime, ctime and inode are
    unchanged (ctime changes on every write and cannot be set back, so even a tool that
    restores the mtime is noticed), and files changed within the last seconds are not
    stored, because a rewrite within the file system's timestamp resolution would otherwise
    go unnoticed ("racy" entries, as git calls them). The code's own version is part of the
    key.
    """

    RACY_SECONDS_DEFAULT = 2.0
    RACY_SECONDS = RACY_SECONDS_DEFAULT

    def __init__(self, root: Path) -> None:
        self.enabled = not os.environ.get(NO_CACHE_ENV)
        self.root = str(root.resolve())
        # A cheap name for the file (hashlib costs 10 ms to import); the root is stored
        # inside and checked, so a collision only costs a miss.
        digest = f"{zlib.crc32(self.root.encode()):08x}"
        self.path = cache_dir() / f"cards-{digest}.bin"
        self.key = _code_key()
        # name -> (size, mtime_ns, ctime_ns, inode, kind, id, name, aliases, keys, cells,
        #          light, data), where light and data are bytes or (offset, length, crc).
        self.entries: dict[str, tuple[Any, ...]] = {}
        self.store: _TextStore | None = None
        self.dirty = False
        if self.enabled:
            self._load()

    def _load(self) -> None:
        import mmap

        try:
            with open(self.path, "rb") as handle:
                buffer: Any = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # missing, unreadable, or empty
            return
        try:
            end = buffer.find(b"\n", 0, 1 << 16)
            key, root, size, crc = json.loads(buffer[:end]) if end > 0 else (None,) * 4
            if [key, root] != [self.key, self.root] or not isinstance(size, int):
                return  # another version or another folder
            index = buffer[end + 1 : end + 1 + size]
            if zlib.crc32(index) != crc:
                return  # damaged
            # marshal: the fastest way back to dicts and strings (JSON takes 5x longer). It
            # is no defence against a crafted file, but the checksum catches damage.
            entries = marshal.loads(index)
        except (ValueError, EOFError, TypeError):
            return
        if isinstance(entries, dict):
            self.entries = entries
            self.store = _TextStore(buffer, end + 1 + size)

    @staticmethod
    def _stamp(stat: os.stat_result, kind: str) -> tuple[Any, ...]:
        return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, kind)

    def get(self, name: str, stat: os.stat_result, kind: str, path: str) -> Card | None:
        entry = self.entries.get(name)
        if type(entry) is tuple and len(entry) == 12 and entry[:5] == self._stamp(stat, kind):
            try:
                return Card.from_cache_entry(kind, path, entry[5:], self.store)
            except (TypeError, ValueError):
                return None
        return None

    def put(self, name: str, stat: os.stat_result, card: Card) -> None:
        if time.time() - max(stat.st_mtime, stat.st_ctime) < self.RACY_SECONDS:
            return
        self.entries[name] = (*self._stamp(stat, card.kind), *card.cache_entry())
        self.dirty = True

    def _text(self, blob: Any) -> bytes | None:
        if isinstance(blob, bytes):
            return blob
        return self.store.read(blob) if self.store is not None else None

    def save(self, keep: set[str]) -> None:
        stale = set(self.entries) - keep
        for name in stale:
            del self.entries[name]
        if not self.enabled or not (self.dirty or stale):
            return
        from llmcat.fsutil import write_atomic

        index: dict[str, tuple[Any, ...]] = {}
        texts: list[bytes] = []
        offset = 0
        for name, entry in self.entries.items():
            light, data = self._text(entry[10]), self._text(entry[11])
            if light is None or data is None:
                continue  # its text is gone: leave the entry out, it will be read again
            refs = []
            for raw in (light, data):
                refs.append((offset, len(raw), zlib.crc32(raw)))
                texts.append(raw)
                offset += len(raw)
            index[name] = (*entry[:10], *refs)
        body = marshal.dumps(index)
        header = json.dumps([self.key, self.root, len(body), zlib.crc32(body)]).encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, b"".join([header, b"\n", body, *texts]))
        except OSError:
            pass  # a read-only or full cache folder only costs speed


# The modules whose code decides what a cache entry holds: any edit or upgrade of one of them
# changes its stat, and so the key, and the cache starts afresh.
_CACHED_BY = ("catalog.py", "schema.py", "describe.py", "units.py")


def _code_key() -> str:
    here = Path(__file__).parent
    stamps = []
    for name in _CACHED_BY:
        try:
            st = (here / name).stat()
            stamps.append(f"{st.st_size}-{st.st_mtime_ns}")
        except OSError:
            stamps.append("?")
    return f"3|{sys.version_info[:2]}|{','.join(stamps)}"


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
    problems: list[Problem] = []
    seen: set[str] = set()
    # (kind, name in the cache, display path, stat, cached card or None), in catalog order.
    slots: list[tuple[str, str, str, os.stat_result, Card | None]] = []
    misses: list[tuple[str, str, str]] = []  # (path, kind, display) to read and validate
    for kind in KINDS:
        prefix = os.path.join(display_root, kind, "")
        for entry in _card_files(root, kind, problems):
            name = f"{kind}/{entry.name}"
            display = prefix + entry.name
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
            card = cache.get(name, stat, kind, display) if cache.enabled else None
            if card is None:
                misses.append((entry.path, kind, display))
            slots.append((kind, name, display, stat, card))
    read = dict(zip((m[2] for m in misses), read_cards(misses), strict=True))
    cards: list[Card] = []
    for kind, name, display, stat, card in slots:
        if card is None:
            data, found = read[display]
            problems.extend(found)
            if data is None:
                continue
            card = Card.from_data(kind, display, data)
            cache.put(name, stat, card)
        cards.append(card)
    cache.save(seen)
    return cards, problems


PARALLEL_FROM = 500  # below this many cards to parse, worker processes cost more than they save


def read_cards(
    files: list[tuple[str, str, str]],
) -> list[tuple[dict[str, Any] | None, list[Problem]]]:
    """`read_card` for each `(path, kind, display)`, in order; in parallel when many.

    Parsing TOML in pure Python is what a cold load spends its time on, and it is CPU-bound,
    so a large catalog is parsed by one worker process per core.
    """
    workers = min(os.cpu_count() or 1, 8)
    if len(files) < PARALLEL_FROM or workers < 2:
        return [read_card(*f) for f in files]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork is cheapest where it is safe (Linux); elsewhere the platform's default.
    method = "fork" if sys.platform.startswith("linux") else None
    context = multiprocessing.get_context(method)
    try:
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            return list(pool.map(_read_card_args, files, chunksize=64))
    except (OSError, RuntimeError):
        # No processes to be had (a sandbox, a limit): parse here instead.
        return [read_card(*f) for f in files]


def _read_card_args(args: tuple[str, str, str]) -> tuple[dict[str, Any] | None, list[Problem]]:
    return read_card(*args)


def check_unique(cards: list[Card]) -> list[Problem]:
    """Ids and aliases name one card each, across every catalog loaded together."""
    problems: list[Problem] = []
    owners: dict[str, Card] = {}
    for card in cards:
        for i, token in enumerate(card.keys):
            other = owners.setdefault(token, card)
            if other is not card:
                key, value = (
                    ("id", card.id) if i == 0 else (f"aliases[{i - 1}]", card.aliases[i - 1])
                )
                problems.append(_located(card, key, f"'{value}' is already used by {other.path}"))
    return problems


def _located(card: Card, key: str, message: str) -> Problem:
    """A problem at `key` of a card, with the line looked up in its text."""
    path_parts: list[str | int] = []
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", key):
        path_parts.append(int(part[1:-1]) if part.startswith("[") else part)
    try:
        from llmcat.tomlpos import KeyIndex

        index = KeyIndex(Path(card.path).read_text(encoding="utf-8-sig"))
        line, column = index.locate(tuple(path_parts)) or (None, None)
    except (OSError, UnicodeDecodeError):
        line = column = None
    return Problem(card.path, line, column, key, message)


def normalize_name(text: str) -> str:
    """How names are matched: case, spaces, dots, dashes and underscores do not count."""
    return re.sub(r"[\s._-]+", "", text).casefold()


@contextlib.contextmanager
def paused_collector() -> Iterator[None]:
    """Pause the cyclic garbage collector while cards are built.

    Cards are trees of dicts and lists, freed by reference counting. While thousands are
    built and kept, the collector would rescan the growing set again and again: pausing it
    makes loading 10,000 cards several times faster, from TOML or from the cache. The
    objects built meanwhile are then frozen (moved out of the collector's view): they hold
    no cycles, and scanning them once more on re-enabling would cost a tenth of a warm run.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.freeze()
            gc.enable()


def load_catalog(roots: Iterable[Path]) -> Catalog:
    """Load every card of every root; raise CatalogError listing every problem found."""
    with paused_collector():
        return _load_catalog(roots)


def _load_catalog(roots: Iterable[Path]) -> Catalog:
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
