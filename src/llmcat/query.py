"""Questions asked of a catalog: field access, filter expressions, sorting, lookup by name.

Works on the JSON-shaped card dicts, so it needs neither pydantic nor Rich.

Filter grammar (one condition per argument; `and` may join several in one argument)::

    condition := FIELD OPERATOR VALUE
    FIELD     := a card field (see FIELDS) or a benchmark id such as `mmlu`
    OPERATOR  := = | == | != | < | <= | > | >= | contains | ~
    VALUE     := a bare word (`7B`, `2024-01`, `Meta`) or a quoted string

A field that holds several values (a family's sizes, its languages) matches when any of
its values does; `!=` is the negation of `=`.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from llmcat.catalog import LONG_KEYS, Card, normalize_name
from llmcat.describe import context_values, token_values
from llmcat.errors import UsageError
from llmcat.units import parse_context, parse_count, parse_date

# -- fields --------------------------------------------------------------------------------

Getter = Callable[[dict[str, Any]], list[Any]]


class Field(NamedTuple):
    name: str
    kind: str  # "text", "count", "date", "number"
    get: Getter
    help: str

    @property
    def full(self) -> bool:
        """Whether the field lives outside a card's light fields (see catalog.LONG_KEYS)."""
        return self.name in LONG_KEYS

    def values(self, card: Card) -> list[Any]:
        return self.get(card.data if self.full else card.light)


def _scalar(key: str) -> Getter:
    def get(data: dict[str, Any]) -> list[Any]:
        value = data.get(key)
        return [] if value is None else [value]

    return get


def _many(key: str) -> Getter:
    return lambda data: list(data.get(key) or [])


def _variant(key: str) -> Getter:
    return lambda data: [v[key] for v in data.get("variants", []) if v.get(key) is not None]


def _links(data: dict[str, Any]) -> list[Any]:
    return [url for urls in (data.get("links") or {}).values() for url in urls]


FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field("id", "text", _scalar("id"), "the card's id"),
        Field("name", "text", _scalar("name"), "display name"),
        Field("organization", "text", _scalar("organization"), "who released it"),
        Field("released", "date", _scalar("released"), "release date (YYYY-MM[-DD])"),
        Field("summary", "text", _scalar("summary"), "the card's summary"),
        Field("family", "text", _scalar("family"), "model family, e.g. Llama"),
        Field("modality", "text", _scalar("modality"), "text or vision-language"),
        Field("license", "text", _scalar("license"), "licence name"),
        Field("base_model", "text", _scalar("base_model"), "id of the card it builds on"),
        Field("aliases", "text", _many("aliases"), "other names"),
        Field("languages", "text", _many("languages"), "ISO 639-1 codes"),
        Field("architecture", "text", _many("architecture"), "architecture notes"),
        Field("highlights", "text", _many("highlights"), "highlights"),
        Field("notes", "text", _many("notes"), "notes"),
        Field("sources", "text", _many("sources"), "source URLs"),
        Field("links", "text", _links, "any link URL"),
        Field("parameters", "count", _variant("parameters"), "a variant's size, e.g. 7B"),
        Field("active_parameters", "count", _variant("active_parameters"), "MoE active parameters"),
        Field("variants", "text", _variant("name"), "a variant's name"),
        Field("huggingface", "text", _variant("huggingface"), "a variant's HF repo id"),
        Field("context_length", "count", context_values, "context window in tokens"),
        Field("pretrain_tokens", "count", token_values, "pretraining tokens, e.g. 2T"),
    )
}
ALIASES = {
    "org": "organization",
    "params": "parameters",
    "size": "parameters",
    "context": "context_length",
    "tokens": "pretrain_tokens",
    "lang": "languages",
    "language": "languages",
    "date": "released",
    "variant": "variants",
    "hf": "huggingface",
}


def best_score(data: dict[str, Any], benchmark: str) -> float | None:
    """The highest value a card reports for `benchmark` (any variant, any setting)."""
    values = [s["value"] for s in data.get("scores", []) if s["benchmark"] == benchmark]
    return max(values) if values else None


def resolve_field(name: str, benchmarks: Iterable[str] = ()) -> Field:
    """A field by name, alias or benchmark id; a UsageError with a suggestion otherwise."""
    key = name.strip().lower().replace("-", "_")
    key = ALIASES.get(key, key)
    if key in FIELDS:
        return FIELDS[key]
    bench = {b.lower(): b for b in benchmarks}
    if name.lower() in bench:
        benchmark = bench[name.lower()]

        def get(data: dict[str, Any]) -> list[Any]:
            value = best_score(data, benchmark)
            return [] if value is None else [value]

        return Field(benchmark, "number", get, f"best {benchmark} score")
    choices = [*FIELDS, *bench]
    hint = difflib.get_close_matches(key, choices, n=1, cutoff=0.6)
    raise UsageError(f"unknown field '{name}'" + (f"; did you mean '{hint[0]}'?" if hint else ""))


# -- filter expressions --------------------------------------------------------------------

OPERATORS = ("contains", "==", "!=", "<=", ">=", "=", "<", ">", "~")
_TOKEN_PATTERN = r"""\s*(?:
        (?P<quoted>"(?:[^"\\]|\\.)*"|'[^']*')
      | (?P<op>==|!=|<=|>=|=|<|>|~)
      | (?P<word>[^\s=!<>~"']+)
    )"""


@functools.cache
def _token_re() -> re.Pattern[str]:
    # Compiled on first use: compiling it costs more than the rest of `llmcat list`'s imports.
    return re.compile(_TOKEN_PATTERN, re.VERBOSE)


class Condition(NamedTuple):
    field: Field
    op: str
    value: Any
    text: str

    def matches(self, card: Card) -> bool:
        values = self.field.values(card)
        if self.op == "!=":
            return not any(_compare(self.field.kind, v, "=", self.value) for v in values)
        return any(_compare(self.field.kind, v, self.op, self.value) for v in values)


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _token_re().match(text, pos)
        if not match or match.end() == pos:
            raise UsageError(f"cannot read {text!r} at column {pos + 1}")
        pos = match.end()
        if match["quoted"] is not None:
            raw = match["quoted"]
            body = raw[1:-1]
            if raw[0] == '"':
                body = re.sub(r"\\(.)", r"\1", body)
            tokens.append(("value", body))
        elif match["op"] is not None:
            tokens.append(("op", match["op"]))
        else:
            word = match["word"]
            kind = (
                "op" if word.lower() == "contains" else "and" if word.lower() == "and" else "word"
            )
            tokens.append((kind, word.lower() if kind != "word" else word))
    return tokens


def parse_conditions(texts: Iterable[str], benchmarks: Iterable[str] = ()) -> list[Condition]:
    """Parse filter arguments into conditions (all must hold). Raises UsageError."""
    benchmarks = list(benchmarks)
    conditions: list[Condition] = []
    for text in texts:
        tokens = _tokenize(text)
        if not tokens:
            raise UsageError("an empty filter expression; expected e.g. 'parameters >= 7B'")
        i = 0
        while i < len(tokens):
            part = tokens[i : i + 3]
            if (
                len(part) < 3
                or part[0][0] != "word"
                or part[1][0] != "op"
                or part[2][0]
                not in (
                    "word",
                    "value",
                )
            ):
                raise UsageError(
                    f"cannot read {text!r}: expected FIELD OPERATOR VALUE, e.g. "
                    f"'parameters >= 7B' (operators: {', '.join(OPERATORS)})"
                )
            field = resolve_field(part[0][1], benchmarks)
            op = "=" if part[1][1] == "==" else part[1][1]
            value = _parse_value(field, op, part[2][1])
            conditions.append(Condition(field, op, value, text))
            i += 3
            if i < len(tokens):
                if tokens[i][0] != "and":
                    raise UsageError(f"cannot read {text!r}: join conditions with 'and'")
                i += 1
                if i == len(tokens):
                    raise UsageError(f"cannot read {text!r}: nothing after 'and'")
    return conditions


def _parse_value(field: Field, op: str, raw: str) -> Any:
    if op in ("contains", "~"):
        return raw.casefold()
    try:
        if field.name == "context_length":
            return parse_context(raw)
        if field.kind == "count":
            return parse_count(raw)
        if field.kind == "date":
            return parse_date(raw)
        if field.kind == "number":
            if not re.fullmatch(r"-?[0-9]+(?:\.[0-9]+)?", raw):
                raise ValueError(f"'{raw}' is not a number such as 60 or 62.5")
            return float(raw)
    except ValueError as exc:
        raise UsageError(f"{field.name}: {exc}") from None
    choices = FIXED_CHOICES.get(field.name)
    if choices and op in ("=", "!=") and raw.casefold() not in choices:
        # A value the field can never hold is a typo, not a question with no answer.
        raise UsageError(f"{field.name}: '{raw}' is not one of {', '.join(sorted(choices))}")
    return raw.casefold()


FIXED_CHOICES = {"modality": frozenset({"text", "vision-language"})}


def _compare(kind: str, have: Any, op: str, want: Any) -> bool:
    if op == "contains":
        if isinstance(have, str):
            return have.casefold() == want or (kind == "text" and want in have.casefold())
        return str(have).casefold() == want
    if op == "~":
        return want in str(have).casefold()
    if kind == "date":
        # Compare at the precision both sides have: 2024-04-18 is "= 2024-04".
        n = min(len(have), len(want))
        have, want = have[:n], want[:n]
    elif kind == "text":
        have = str(have).casefold()
    elif kind in ("count", "number"):
        pass
    if op == "=":
        return bool(have == want)
    if op == "<":
        return bool(have < want)
    if op == "<=":
        return bool(have <= want)
    if op == ">":
        return bool(have > want)
    if op == ">=":
        return bool(have >= want)
    raise UsageError(f"unknown operator {op!r}")


def filter_cards(cards: Iterable[Card], conditions: Iterable[Condition]) -> list[Card]:
    conditions = list(conditions)
    return [c for c in cards if all(cond.matches(c) for cond in conditions)]


# -- the list command's options, as conditions ------------------------------------------


class ListFilters(NamedTuple):
    orgs: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    licenses: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    min_params: str | None = None
    max_params: str | None = None
    released_after: str | None = None
    released_before: str | None = None
    search: str | None = None

    def predicate(self) -> Callable[[Card], bool]:
        """One function that answers all the options at once. Raises UsageError."""
        if self == ListFilters():
            return lambda card: True  # nothing asked: no card needs decoding
        orgs = {o.casefold() for o in self.orgs}
        langs = {lang.casefold() for lang in self.languages}
        licenses = [lic.casefold() for lic in self.licenses]
        modalities = {m.casefold() for m in self.modalities}
        options = {
            "--min-params": (parse_count, self.min_params),
            "--max-params": (parse_count, self.max_params),
            "--released-after": (parse_date, self.released_after),
            "--released-before": (parse_date, self.released_before),
        }
        parsed: dict[str, Any] = {}
        for option, (parse, raw) in options.items():
            try:
                parsed[option] = parse(raw) if raw else None
            except ValueError as exc:
                raise UsageError(f"{option}: {exc}") from None
        low, high = parsed["--min-params"], parsed["--max-params"]
        after, before = parsed["--released-after"], parsed["--released-before"]
        needle = self.search.casefold() if self.search else None
        # An option that can match nothing is a mistake, not a question with no answer.
        unknown = modalities - {"text", "vision-language"}
        if unknown:
            raise UsageError(
                f"--modality: '{sorted(unknown)[0]}' is not one of text, vision-language"
            )
        from llmcat.iso639 import CODES

        bad_langs = sorted(lang for lang in langs if lang not in CODES)
        if bad_langs:
            raise UsageError(f"--lang: '{bad_langs[0]}' is not an ISO 639-1 code such as en or zh")
        if low is not None and high is not None and low > high:
            raise UsageError("--min-params is larger than --max-params")
        if after and before and after[: len(before)] > before[: len(after)]:
            raise UsageError("--released-after is later than --released-before")

        def matches(card: Card) -> bool:
            data = card.light
            if orgs and data["organization"].casefold() not in orgs:
                return False
            if langs and not langs & {x.casefold() for x in data.get("languages", [])}:
                return False
            if licenses and not any(x in (data.get("license") or "").casefold() for x in licenses):
                return False
            if modalities and data.get("modality", "text") not in modalities:
                return False
            if low is not None or high is not None:
                sizes = [v["parameters"] for v in data["variants"]]
                if not any(
                    (low is None or s >= low) and (high is None or s <= high) for s in sizes
                ):
                    return False
            released = data["released"]
            if after and released[: len(after)] < after[: len(released)]:
                return False
            if before and released[: len(before)] > before[: len(released)]:
                return False
            if needle:
                haystack = [
                    data["name"],
                    data["id"],
                    card.data.get("summary", ""),
                    *data.get("aliases", []),
                ]
                if not any(needle in h.casefold() for h in haystack):
                    return False
            return True

        return matches


# -- sorting ---------------------------------------------------------------------------------

SORT_KEYS = (
    "id",
    "name",
    "organization",
    "released",
    "parameters",
    "context_length",
    "pretrain_tokens",
    "license",
    "languages",
)


def sort_cards(
    cards: list[Card], key: str, *, reverse: bool = False, benchmarks: Iterable[str] = ()
) -> list[Card]:
    """Sort by a field (largest value for multi-valued ones); cards without it go last."""
    field = resolve_field(key, benchmarks)

    def value(card: Card) -> Any:
        values = field.values(card)
        if not values:
            return None
        if field.kind == "text":
            return ", ".join(sorted(str(v).casefold() for v in values))
        return max(values)

    present = [(value(c), c) for c in cards]
    have = [pair for pair in present if pair[0] is not None]
    missing = [c for v, c in present if v is None]
    have.sort(key=lambda pair: (pair[0], pair[1].id), reverse=reverse)
    return [c for _, c in have] + missing


# -- lookup --------------------------------------------------------------------------------


def find_card(cards: Iterable[Card], query: str) -> Card | None:
    """A card by id, alias or name, ignoring case, spaces, dots, dashes and underscores;
    else the model family with a variant of that name or Hugging Face repo."""
    cards = list(cards)
    token = normalize_name(query)
    # An exact id wins over another card's alias or name that happens to read the same.
    for match in (
        lambda c: c.id == query,
        lambda c: c.keys[0] == token,
        lambda c: token in c.keys[1:],
        lambda c: normalize_name(c.name) == token,
        # Last, as it reads every card in full: `Llama-2-7b`, `meta-llama/Llama-2-7b-hf`.
        lambda c: token in _variant_names(c),
    ):
        found = next((c for c in cards if match(c)), None)
        if found is not None:
            return found
    return None


def suggest(cards: Iterable[Card], query: str) -> str | None:
    """The id of the card whose name (or a variant's) is closest to `query`, if any is."""
    token = normalize_name(query)
    owners: dict[str, str] = {}
    for card in cards:
        for name in _names(card) | _variant_names(card):
            owners.setdefault(name, card.id)
    hint = difflib.get_close_matches(token, list(owners), n=1, cutoff=0.6)
    return owners[hint[0]] if hint else None


def _variant_names(card: Card) -> set[str]:
    """A model family's variant names and Hugging Face repos (with and without the owner)."""
    if card.kind != "models":
        return set()
    names: set[str] = set()
    for variant in card.data.get("variants") or []:
        repo = variant.get("huggingface") or ""
        for name in (variant.get("name") or "", repo, repo.rsplit("/", 1)[-1]):
            if name:
                names.add(normalize_name(name))
    return names


def _names(card: Card) -> set[str]:
    return {*card.keys, normalize_name(card.name)}


# -- lineage ---------------------------------------------------------------------------------


class Lineage(NamedTuple):
    """What a card builds on (nearest first) and which cards build on it."""

    ancestors: tuple[Card, ...]
    descendants: tuple[Card, ...]


def lineage(cards: Iterable[Card], card: Card) -> Lineage:
    by_id = {c.id: c for c in cards}
    ancestors: list[Card] = []
    seen = {card.id}
    current = card
    while (parent_id := current.light.get("base_model")) and parent_id not in seen:
        parent = by_id.get(parent_id)
        if parent is None:
            break
        ancestors.append(parent)
        seen.add(parent_id)
        current = parent
    descendants = sorted(
        (c for c in by_id.values() if c.light.get("base_model") == card.id), key=lambda c: c.id
    )
    return Lineage(tuple(ancestors), tuple(descendants))
