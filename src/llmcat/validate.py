"""`llmcat validate`: every check on every card, beyond what loading a catalog needs.

Loading (`llmcat.catalog`) stops a command on anything that would make a card unreadable:
bad TOML, the schema, duplicate ids. Validating goes further, for the people who maintain a
catalog: file names, dates in the future, references to cards that do not exist, links that
are not in their canonical form, the same URL twice, and doubtful things as warnings.

Every file is read fresh (no cache), every problem in every card is collected, and each is
located at the line of its key. The text is only indexed (`KeyIndex`) for cards that have a
problem, so a clean catalog costs little more than parsing its TOML.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from llmcat.catalog import (
    KINDS,
    format_key,
    normalize_name,
    parse_toml,
    paused_collector,
    read_toml,
)
from llmcat.errors import ExitStatus, Problem
from llmcat.tomlpos import KeyIndex, KeyPath
from llmcat.units import parse_count, parse_date

ERROR = "error"
WARNING = "warning"

LINK_FIELDS = ("huggingface", "arxiv", "github", "blog", "homepage", "paper")
_HF_HOSTS = frozenset({"huggingface.co", "www.huggingface.co", "hf.co", "www.hf.co"})
_ARXIV_HOSTS = frozenset({"arxiv.org", "www.arxiv.org", "export.arxiv.org"})
_GITHUB_HOSTS = frozenset({"github.com", "www.github.com"})
# New-style ids (2007 on) are YYMM.NNNN, with five digits from 2015; old style archive/YYMMNNN.
_ARXIV_NEW = re.compile(r"^(?P<yy>\d{2})(?P<mm>\d{2})\.(?P<num>\d{4,5})(?:v\d+)?$")
_ARXIV_OLD = re.compile(
    r"^[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/(?P<yy>\d{2})(?P<mm>\d{2})\d{3}(?:v\d+)?$"
)
_ARXIV_PATH = re.compile(r"^/(?P<form>abs|pdf|html|format)/(?P<id>.+?)(?:\.pdf)?/?$")
_GITHUB_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
_GITHUB_REPO = re.compile(r"^[A-Za-z0-9._-]+$")
_CROSS_KEYS = ("id", "aliases", "base_model", "scores", "tasks")
_GITHUB_REPO_URL = re.compile(
    r"^https://github\.com/[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]+$"
)
_NOT_CARDS = (".md", ".txt", ".json")  # files that may sit beside cards without being one


@dataclass(frozen=True)
class ValidationReport:
    """What `validate` found: the problems of every card, sorted by file and line."""

    problems: tuple[Problem, ...]
    files: int
    # Catalog folders that could not be read at all: a usage error, not a card problem.
    unreadable: tuple[Problem, ...] = ()

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == WARNING)

    def exit_status(self, *, strict: bool = False) -> ExitStatus:
        if self.unreadable:
            return ExitStatus.USAGE
        if self.errors or (strict and self.warnings):
            return ExitStatus.NEGATIVE
        return ExitStatus.OK


# -- one card ---------------------------------------------------------------------------


class _CardFile:
    """One card being validated: its text, its parsed data, and what was found in it."""

    def __init__(self, kind: str, display: str, text: str, raw: dict[str, Any]) -> None:
        self.kind = kind
        self.display = display
        self.stem = os.path.splitext(os.path.basename(display))[0]
        self.text = text
        self.raw = raw
        self.problems: list[Problem] = []
        self.schema_errors: list[KeyPath] = []
        self._index: KeyIndex | None = None

    def position(self, loc: KeyPath) -> tuple[int, int]:
        if self._index is None:
            self._index = KeyIndex(self.text)
        return self._index.locate(loc) or (1, 1)

    def add(self, loc: KeyPath, message: str, severity: str = ERROR) -> None:
        """A problem at `loc`, unless the schema already reported one there or above."""
        if any(loc[: len(bad)] == bad for bad in self.schema_errors):
            return
        line, column = self.position(loc)
        key = format_key(loc) or None
        self.problems.append(Problem(self.display, line, column, key, message, severity))

    @property
    def id(self) -> str | None:
        value = self.raw.get("id")
        return value if isinstance(value, str) and ("id",) not in self.schema_errors else None


def _check_schema(card: _CardFile) -> None:
    from pydantic import ValidationError

    from llmcat.catalog import _problem_from_error
    from llmcat.schema import CARD_KINDS

    model = CARD_KINDS[card.kind]
    try:
        model.model_validate(card.raw)
    except ValidationError as exc:
        index = KeyIndex(card.text)
        card._index = index
        for error in exc.errors(include_url=False):
            card.problems.append(_problem_from_error(error, model, card.display, index))
            if error["type"] != "extra_forbidden":
                loc = tuple(p for p in error["loc"] if isinstance(p, int) or "[" not in str(p))
                if loc:
                    card.schema_errors.append(loc)


def _check_card(card: _CardFile, today: _dt.date) -> None:
    """The checks that need only the card itself."""
    raw = card.raw
    if card.id is not None and card.id != card.stem:
        card.add(("id",), f"'{card.id}' must equal the file name '{card.stem}'")
    _check_dates(card, today)
    _check_urls(card)
    if card.kind == "models":
        _check_variants(card)
    if not raw.get("sources"):
        card.add(("sources",), "no sources: cite where the facts come from", WARNING)
    summary = raw.get("summary")
    if isinstance(summary, str) and summary.strip().upper().startswith("TODO"):
        card.add(("summary",), "the summary is still a placeholder", WARNING)


def _date(value: Any) -> str | None:
    try:
        return parse_date(value)
    except (ValueError, TypeError):
        return None


def _in_future(text: str, today: str) -> bool:
    # ISO dates compare as strings; "2024-05" is not in the future during May 2024.
    return text[:10] > today[: len(text[:10])]


def _check_dates(card: _CardFile, day: _dt.date) -> None:
    today = day.isoformat()
    family = _date(card.raw.get("released"))
    if family and _in_future(family, today):
        card.add(("released",), f"'{family}' is in the future (today is {today})")
    variants = card.raw.get("variants")
    if card.kind != "models" or not isinstance(variants, list):
        return
    for i, variant in enumerate(variants):
        if not isinstance(variant, dict) or "released" not in variant:
            continue
        released = _date(variant["released"])
        if not released:
            continue
        loc = ("variants", i, "released")
        if _in_future(released, today):
            card.add(loc, f"'{released}' is in the future (today is {today})")
        elif family:
            n = min(len(released), len(family), 10)
            if released[:n] < family[:n]:
                card.add(loc, f"'{released}' is before the family's release date '{family}'")


def _count(value: Any) -> int | None:
    try:
        return parse_count(value)
    except (ValueError, TypeError):
        return None


def _check_variants(card: _CardFile) -> None:
    variants = card.raw.get("variants")
    if not isinstance(variants, list):
        return
    for i, variant in enumerate(variants):
        if not isinstance(variant, dict):
            continue
        if "active_parameters" not in variant:
            continue
        total, active = _count(variant.get("parameters")), _count(variant["active_parameters"])
        if total and active and active > total:
            card.add(
                ("variants", i, "active_parameters"),
                f"'{variant['active_parameters']}' is more than the variant's parameters "
                f"'{variant['parameters']}'",
            )
    names = [v["name"] for v in variants if isinstance(v, dict) and isinstance(v.get("name"), str)]
    scores = card.raw.get("scores")
    for i, score in enumerate(scores if isinstance(scores, list) else []):
        name = score.get("variant") if isinstance(score, dict) else None
        if isinstance(name, str) and name not in names:
            card.add(
                ("scores", i, "variant"),
                f"no variant of this card is named '{name}'{_hint(name, names)}",
            )
    links = card.raw.get("links")
    hf_links = links.get("huggingface") if isinstance(links, dict) else None
    if (
        len(variants) == 1
        and isinstance(variants[0], dict)
        and not variants[0].get("huggingface")
        and not hf_links
    ):
        card.add(
            ("variants",),
            "a family with a single variant and no Hugging Face repo: are the weights open?",
            WARNING,
        )


# -- links ------------------------------------------------------------------------------


def _card_urls(raw: dict[str, Any]) -> Iterator[tuple[KeyPath, str]]:
    """Every URL of a card with its key path, in the order of the card's keys."""
    for key, value in raw.items():
        if key == "url" and isinstance(value, str):
            yield ("url",), value
        elif key == "links" and isinstance(value, dict):
            for field, links in value.items():
                if field not in LINK_FIELDS:
                    continue
                # A single URL is read as a list of one, as the schema reads it.
                items = [links] if isinstance(links, str) else links
                if isinstance(items, list):
                    for i, url in enumerate(items):
                        if isinstance(url, str):
                            yield ("links", field, i), url
        elif key == "sources" and isinstance(value, list):
            for i, url in enumerate(value):
                if isinstance(url, str):
                    yield ("sources", i), url
        elif key == "scores" and isinstance(value, list):
            for i, score in enumerate(value):
                if isinstance(score, dict) and isinstance(score.get("source"), str):
                    yield ("scores", i, "source"), score["source"]


def arxiv_id(text: str) -> str | None:
    """`text` if it is a valid arXiv id, new style (2307.09288v2) or old (hep-th/9901001)."""
    match = _ARXIV_NEW.match(text)
    if match:
        month, digits = int(match["mm"]), len(match["num"])
        five = (int(match["yy"]), month) >= (15, 1)
        if 1 <= month <= 12 and digits == (5 if five else 4):
            return text
        return None
    match = _ARXIV_OLD.match(text)
    if match and 1 <= int(match["mm"]) <= 12:
        return text
    return None


_SCHEME_HOST = re.compile(r"^(https?)://(?:[^@/?#]*@)?([^/?#:]*)", re.IGNORECASE)
_SPECIAL_HOSTS = _HF_HOSTS | _ARXIV_HOSTS | _GITHUB_HOSTS
_SPECIAL_FIELDS = frozenset({"huggingface", "arxiv", "github"})


def url_problem(url: str, field: str | None = None) -> str | None:
    """What is wrong with `url` as a link (in `links.<field>`, if given), or None."""
    # The common cases first, without the cost of urlsplit.
    quick = _SCHEME_HOST.match(url)
    if quick:
        host = quick[2].lower()
        if host not in _SPECIAL_HOSTS and field not in _SPECIAL_FIELDS:
            return None
        if url.startswith("https://huggingface.co/") and field not in ("arxiv", "github"):
            return None
        if (
            url.startswith("https://arxiv.org/abs/")
            and field not in ("huggingface", "github")
            and arxiv_id(url[22:])
        ):
            return None
        if url.startswith("https://github.com/") and (
            field not in _SPECIAL_FIELDS
            or (field == "github" and _GITHUB_REPO_URL.match(url) and not url.endswith(".git"))
        ):
            return None
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None  # the schema reports URLs that cannot be parsed
    if parts.scheme.lower() not in ("http", "https"):
        return None  # the schema reports these
    if host in _HF_HOSTS:
        canonical = f"https://huggingface.co{parts.path}"
        if parts.scheme != "https" or parts.netloc != "huggingface.co":
            return f"'{url}' is not a canonical Hugging Face link; use '{canonical}'"
    elif host in _ARXIV_HOSTS:
        match = _ARXIV_PATH.match(parts.path)
        found = arxiv_id(match["id"]) if match else None
        if found is None:
            return (
                f"'{url}' does not hold a valid arXiv id "
                "(such as 'https://arxiv.org/abs/2307.09288' or '.../abs/hep-th/9901001')"
            )
        canonical = f"https://arxiv.org/abs/{found}"
        if url != canonical:
            return f"'{url}' is not in the abs/ form; use '{canonical}'"
    elif host in _GITHUB_HOSTS:
        canonical = f"https://github.com{parts.path}"
        if parts.scheme != "https" or parts.netloc != "github.com":
            return f"'{url}' is not a canonical GitHub link; use '{canonical}'"
        if field == "github":
            return _github_repo_problem(url, parts.path, parts.query or parts.fragment)
    if field == "huggingface" and host not in _HF_HOSTS:
        return f"'{url}' is not a Hugging Face link ('https://huggingface.co/...')"
    if field == "arxiv" and host not in _ARXIV_HOSTS:
        return f"'{url}' is not an arXiv link ('https://arxiv.org/abs/ID')"
    if field == "github" and host not in _GITHUB_HOSTS:
        return f"'{url}' is not a GitHub link ('https://github.com/owner/repo')"
    return None


def _github_repo_problem(url: str, path: str, extra: str) -> str | None:
    segments = path.split("/")[1:]
    if (
        len(segments) == 2
        and not extra
        and _GITHUB_OWNER.match(segments[0])
        and _GITHUB_REPO.match(segments[1])
        and not segments[1].endswith(".git")
    ):
        return None
    message = f"'{url}' is not a repository link of the form 'https://github.com/owner/repo'"
    if len(segments) >= 2 and _GITHUB_OWNER.match(segments[0]) and segments[1]:
        repo = segments[1].removesuffix(".git")
        message += f"; use 'https://github.com/{segments[0]}/{repo}'"
    return message


def _url_key(url: str) -> str:
    """How URLs are compared: scheme and host in any case, a trailing '/' or not."""
    end = url.find("/", url.find("://") + 3)
    if end < 0:
        return url.lower()
    return url[:end].lower() + url[end:].rstrip("/")


def _check_urls(card: _CardFile) -> None:
    # A URL may be the card's own `url`, a link for readers and a source of facts (cards do
    # that on purpose), but not twice among the links, nor twice among the sources. Many
    # scores cite one table.
    seen: dict[tuple[str, str], KeyPath] = {}
    for loc, url in _card_urls(card.raw):
        group = loc[0]
        field = loc[1] if group == "links" else None
        problem = url_problem(url, field)
        if problem:
            card.add(loc, problem)
        if group == "scores":
            continue
        key = (group, _url_key(url))
        first = seen.get(key)
        if first is None:
            seen[key] = loc
            continue
        # Report the occurrence further down the file, pointing back at the other one.
        here, there = loc, first
        if card.position(first) > card.position(loc):
            here, there = first, loc
            seen[key] = loc
        line = card.position(there)[0]
        card.add(here, f"'{url}' is already given at {format_key(there)} (line {line})")


# -- across cards -----------------------------------------------------------------------


def _check_unique(cards: list[_CardFile]) -> None:
    """Ids and aliases name one card each, across every catalog given (as the loader says)."""
    owners: dict[str, _CardFile] = {}
    for card in cards:
        names: list[tuple[KeyPath, str]] = []
        if card.id is not None:
            names.append((("id",), card.id))
        aliases = card.raw.get("aliases")
        if isinstance(aliases, list):
            names.extend((("aliases", i), a) for i, a in enumerate(aliases) if isinstance(a, str))
        for loc, value in names:
            token = normalize_name(value)
            other = owners.setdefault(token, card)
            if other is not card:
                card.add(loc, f"'{value}' is already used by {other.display}")


def _hint(value: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(known), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _benchmark_refs(raw: dict[str, Any], key: str) -> list[tuple[KeyPath, Any, str]]:
    """The `benchmark` of each table in `raw[key]` (scores, leaderboard tasks)."""
    items = raw.get(key)
    if not isinstance(items, list):
        return []
    return [
        ((key, i, "benchmark"), item.get("benchmark"), "benchmarks")
        for i, item in enumerate(items)
        if isinstance(item, dict)
    ]


def _check_references(cards: list[_CardFile]) -> None:
    ids = {kind: {c.id for c in cards if c.kind == kind and c.id} for kind in KINDS}
    for card in cards:
        refs: list[tuple[KeyPath, Any, str]] = []
        if card.kind == "models":
            refs.append((("base_model",), card.raw.get("base_model"), "models"))
            refs += _benchmark_refs(card.raw, "scores")
        elif card.kind == "leaderboards":
            refs += _benchmark_refs(card.raw, "tasks")
        for loc, value, kind in refs:
            if not isinstance(value, str):
                continue
            if loc == ("base_model",) and value == card.id:
                card.add(loc, "a model cannot be its own base model")
            elif value not in ids[kind]:
                noun = "model" if kind == "models" else "benchmark"
                card.add(loc, f"no {noun} card has the id '{value}'{_hint(value, ids[kind])}")


# -- reading catalogs -------------------------------------------------------------------


def _read(path: str, kind: str, display: str) -> tuple[_CardFile | None, list[Problem]]:
    read, problems = read_toml(path, display)
    if read is None:
        return None, problems
    text, data = read
    return _CardFile(kind, display, text, data), []


def _root_files(root: Path) -> tuple[list[tuple[str, str, str]], list[Problem], list[Problem]]:
    """(kind, path, display) of every card file, plus unreadable-folder and stray-file problems."""
    display_root = str(root)
    if not root.is_dir():
        return [], [Problem(display_root, message="no such catalog folder")], []
    if not (root / "models").is_dir():
        problem = Problem(display_root, message="not a catalog: it has no 'models' folder")
        return [], [problem], []
    files: list[tuple[str, str, str]] = []
    strays: list[Problem] = []
    for kind in KINDS:
        try:
            entries = sorted(os.scandir(root / kind), key=lambda e: e.name)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            strays.append(Problem(str(root / kind), message=f"cannot read: {exc.strerror}"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            display = os.path.join(display_root, kind, entry.name)
            if entry.name.endswith(".toml"):
                files.append((kind, entry.path, display))
            elif not entry.name.lower().endswith(_NOT_CARDS) and not entry.is_dir():
                message = "not read: card files end in '.toml'"
                strays.append(Problem(display, message=message, severity=WARNING))
    return files, [], strays


def validate_catalogs(roots: Iterable[Path], *, today: _dt.date | None = None) -> ValidationReport:
    """Every problem of every card of every catalog in `roots`, checked together."""
    with paused_collector():
        return _validate(roots, today or _dt.date.today())


def _validate(roots: Iterable[Path], today: _dt.date) -> ValidationReport:
    problems: list[Problem] = []
    unreadable: list[Problem] = []
    cards: list[_CardFile] = []
    count = 0
    for root in roots:
        files, bad_roots, strays = _root_files(Path(root))
        unreadable.extend(bad_roots)
        problems.extend(strays)
        for kind, path, display in files:
            count += 1
            card, found = _read(path, kind, display)
            problems.extend(found)
            if card is not None:
                _check_schema(card)
                _check_card(card, today)
                # Keep only what the checks across cards read, not the whole parsed card.
                card.raw = {k: card.raw[k] for k in _CROSS_KEYS if k in card.raw}
                cards.append(card)
    _check_unique(cards)
    _check_references(cards)
    for card in cards:
        problems.extend(card.problems)
    return ValidationReport(
        problems=tuple(sorted(problems, key=lambda p: p.sort_key)),
        files=count,
        unreadable=tuple(unreadable),
    )


def validate_text(
    text: str, kind: str, display: str, *, today: _dt.date | None = None
) -> list[Problem]:
    """The problems of one card given as text (as `llmcat new` is about to write it)."""
    data, problems = parse_toml(text, display)
    if data is None:
        return problems
    card = _CardFile(kind, display, text, data)
    _check_schema(card)
    _check_card(card, today or _dt.date.today())
    return sorted(card.problems, key=lambda p: p.sort_key)
