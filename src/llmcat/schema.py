"""The card schema (format version 1), as pydantic v2 models.

Importing this module costs about as much as a warm `llmcat list` in total, so only the
loader's slow path (a card not in the cache), `validate` and `schema` import it.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from llmcat.iso639 import CODES as LANGUAGE_CODES
from llmcat.units import parse_context, parse_count, parse_date

FORMAT_VERSION = 1
SLUG_RE = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*\Z")  # \Z: "$" would allow a final newline
_SPACE_RE = re.compile(r"\s")
HF_REPO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*\Z")


def _slug(value: str) -> str:
    if not SLUG_RE.match(value):
        raise ValueError(
            f"'{value}' is not a lowercase slug (letters, digits, '-' and '.', e.g. 'llama3')"
        )
    return value


def _url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"'{value}' is not an http(s) URL")
    if not parts.netloc or _SPACE_RE.search(value):
        raise ValueError(f"'{value}' is not a valid URL")
    return value


def _url_list(value: Any) -> Any:
    # A link field may hold one URL or several; readers always get a list.
    return [value] if isinstance(value, str) else value


def _hf_repo(value: str) -> str:
    if not HF_REPO_RE.match(value):
        raise ValueError(f"'{value}' is not a Hugging Face repo id of the form 'namespace/name'")
    return value


def _language(value: str) -> str:
    if value not in LANGUAGE_CODES:
        raise ValueError(f"'{value}' is not an ISO 639-1 language code such as 'en' or 'zh'")
    return value


def _nonblank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


# What editors see (`llmcat schema`): the JSON Schema of what a card may hold, which is wider
# than the validated type when a validator converts ("7B" -> 7_000_000_000).
_URL_SCHEMA = {"type": "string", "format": "uri", "pattern": "^https?://"}
_COUNT_SCHEMA = {
    "anyOf": [
        {"type": "integer", "exclusiveMinimum": 0},
        {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*[KMBTkmbt]?\s*$"},
    ]
}

Slug = Annotated[
    str, AfterValidator(_slug), WithJsonSchema({"type": "string", "pattern": SLUG_RE.pattern})
]
Url = Annotated[str, AfterValidator(_url), WithJsonSchema(_URL_SCHEMA)]
UrlList = Annotated[
    list[Url],
    BeforeValidator(_url_list),
    WithJsonSchema({"anyOf": [_URL_SCHEMA, {"type": "array", "items": _URL_SCHEMA}]}),
]
HfRepo = Annotated[
    str, AfterValidator(_hf_repo), WithJsonSchema({"type": "string", "pattern": HF_REPO_RE.pattern})
]
Count = Annotated[int, BeforeValidator(parse_count), WithJsonSchema(_COUNT_SCHEMA)]
ContextSize = Annotated[int, BeforeValidator(parse_context), WithJsonSchema(_COUNT_SCHEMA)]
Date = Annotated[
    str,
    BeforeValidator(parse_date),
    WithJsonSchema({"type": "string", "pattern": r"^\d{4}-\d{2}(-\d{2}([T ].*)?)?$"}),
]
Language = Annotated[
    str, AfterValidator(_language), WithJsonSchema({"enum": sorted(LANGUAGE_CODES)})
]
Text = Annotated[
    str, AfterValidator(_nonblank), WithJsonSchema({"type": "string", "pattern": r"\S"})
]


class _Strict(BaseModel):
    # Unknown keys are mistakes (usually typos) and wrong types are never coerced.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Links(_Strict):
    huggingface: UrlList = Field(default_factory=list)
    arxiv: UrlList = Field(default_factory=list)
    github: UrlList = Field(default_factory=list)
    blog: UrlList = Field(default_factory=list)
    homepage: UrlList = Field(default_factory=list)
    paper: UrlList = Field(default_factory=list)


class Variant(_Strict):
    name: Text
    parameters: Count
    active_parameters: Count | None = Field(
        default=None, description="For mixture-of-experts models: parameters used per token."
    )
    huggingface: HfRepo | None = None
    context_length: ContextSize | None = None
    pretrain_tokens: Count | None = None
    released: Date | None = None


class Score(_Strict):
    benchmark: Slug = Field(description="Id of a benchmark card.")
    variant: Text = Field(description="Name of the variant (size) the score is for.")
    value: float = Field(allow_inf_nan=False)
    metric: Text = Field(description="For example 'accuracy', 'acc_norm', 'mc2', 'exact match'.")
    shots: int | None = Field(default=None, ge=0)
    setting: Text = Field(description="How it was run: 'original', 'harness', 'helm', ...")
    source: Url = Field(description="The table the number comes from.")
    notes: str | None = None


class ModelCard(_Strict):
    """One model family."""

    id: Slug
    name: Text
    organization: Text
    released: Date
    summary: Text
    variants: list[Variant] = Field(min_length=1)
    aliases: list[Text] = Field(default_factory=list)
    family: str | None = None
    modality: Literal["text", "vision-language"] = "text"
    languages: list[Language] = Field(default_factory=list)
    license: str | None = None
    context_length: ContextSize | None = None
    pretrain_tokens: Count | None = None
    architecture: list[Text] = Field(default_factory=list)
    highlights: list[Text] = Field(default_factory=list)
    base_model: Slug | None = Field(default=None, description="Id of the card this builds on.")
    links: Links = Field(default_factory=Links)
    sources: list[Url] = Field(default_factory=list)
    notes: list[Text] = Field(default_factory=list)
    scores: list[Score] = Field(default_factory=list)


class BenchmarkCard(_Strict):
    """One benchmark (data set and metric)."""

    id: Slug
    name: Text
    full_name: Text
    summary: Text
    released: Date | None = None
    organization: str | None = None
    aliases: list[Text] = Field(default_factory=list)
    dataset: HfRepo | None = Field(default=None, description="Hugging Face dataset id.")
    size: str | None = Field(default=None, description="As published, e.g. '817 questions'.")
    splits: dict[str, int] = Field(default_factory=dict)
    metric: str | None = None
    links: Links = Field(default_factory=Links)
    sources: list[Url] = Field(default_factory=list)
    notes: list[Text] = Field(default_factory=list)


class LeaderboardTask(_Strict):
    benchmark: Slug
    shots: int | None = Field(default=None, ge=0)
    metric: str | None = None


class LeaderboardCard(_Strict):
    """One evaluation platform."""

    id: Slug
    name: Text
    owner: Text
    url: Url
    method: Text
    summary: Text
    status: Literal["active", "archived"] = "active"
    aliases: list[Text] = Field(default_factory=list)
    tasks: list[LeaderboardTask] = Field(default_factory=list)
    links: Links = Field(default_factory=Links)
    sources: list[Url] = Field(default_factory=list)
    notes: list[Text] = Field(default_factory=list)


class ResourceCard(_Strict):
    """Anything else worth pointing to, such as a table of inference speed measurements."""

    id: Slug
    name: Text
    url: Url
    summary: Text
    aliases: list[Text] = Field(default_factory=list)
    links: Links = Field(default_factory=Links)
    sources: list[Url] = Field(default_factory=list)
    notes: list[Text] = Field(default_factory=list)


# The folder a card lives in decides its kind.
CARD_KINDS: dict[str, type[_Strict]] = {
    "models": ModelCard,
    "benchmarks": BenchmarkCard,
    "leaderboards": LeaderboardCard,
    "resources": ResourceCard,
}
