"""Reading URLs: which host family they belong to, arXiv ids, Hub references, remaps."""

from __future__ import annotations

import functools
import re
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

from llmcat.linkcheck.model import LinkKind

HF_HOSTS = frozenset({"huggingface.co", "www.huggingface.co", "hf.co"})
ARXIV_HOSTS = frozenset({"arxiv.org", "www.arxiv.org", "export.arxiv.org"})
GITHUB_TOKEN_HOSTS = frozenset({"github.com", "api.github.com"})
GITHUB_HOSTS = frozenset(
    {
        "github.com",
        "www.github.com",
        "api.github.com",
        "raw.githubusercontent.com",
        "gist.github.com",
    }
)

HF_WEB = "https://huggingface.co"
ARXIV_API = "https://export.arxiv.org/api/query"
ARXIV_ABS = "https://arxiv.org/abs/"


# `scheme://host[:port]` followed by a path, query, fragment or nothing: there urlsplit's
# hostname is exactly the host, lowercased. Anything else (userinfo, brackets) asks urlsplit.
_PLAIN_ORIGIN = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([A-Za-z0-9.-]+)(?::[0-9]*)?(?=[/?#]|\Z)")


@functools.lru_cache(maxsize=16384)  # asked several times a request, for each URL
def host_of(url: str) -> str:
    plain = _PLAIN_ORIGIN.match(url)
    if plain:
        return plain[1].lower()
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:  # such as an unclosed IPv6 bracket; the request will say it is invalid
        return ""


def kind_of(url: str) -> LinkKind:
    host = host_of(url)
    if host in HF_HOSTS:
        return LinkKind.huggingface
    if host in ARXIV_HOSTS:
        return LinkKind.arxiv
    if host in GITHUB_HOSTS or host.endswith(".github.io"):
        return LinkKind.github
    return LinkKind.other


def resolve_location(base: str, location: str) -> str:
    """Where a redirect points, resolved against the URL as written (not as remapped)."""
    return urljoin(base, location.strip())


def without_fragment(url: str) -> str:
    # The fragment is never sent; keep the rest byte for byte (%2F and %23 must survive).
    return url.split("#", 1)[0]


# -- remapping -------------------------------------------------------------------------------


class Remap(NamedTuple):
    """`--remap 'REGEX REPLACEMENT'`: rewrites outgoing request URLs (Python `re` syntax)."""

    pattern: re.Pattern[str]
    replacement: str

    @classmethod
    def parse(cls, text: str) -> Remap:
        parts = text.strip().split(None, 1)
        if len(parts) != 2:
            raise ValueError(f"--remap needs 'REGEX REPLACEMENT', got {text!r}")
        try:
            pattern = re.compile(parts[0])
        except re.error as exc:
            raise ValueError(f"--remap: {parts[0]!r} is not a regular expression: {exc}") from None
        return cls(pattern, parts[1])

    def describe(self) -> str:
        return f"{self.pattern.pattern} {self.replacement}"


def apply_remaps(url: str, remaps: tuple[Remap, ...]) -> str:
    """The first remap whose pattern matches rewrites the URL; the others are not tried."""
    for remap in remaps:
        if remap.pattern.search(url):
            return remap.pattern.sub(remap.replacement, url, count=1)
    return url


# -- arXiv -----------------------------------------------------------------------------------

_NEW_ID = r"\d{2}(?:0[1-9]|1[0-2])\.\d{4,5}(?:v\d+)?"
_OLD_ID = r"[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{2}(?:0[1-9]|1[0-2])\d{3}(?:v\d+)?"
ARXIV_ID_RE = re.compile(rf"^(?:{_NEW_ID}|{_OLD_ID})$")
_ARXIV_PATH_RE = re.compile(r"^/(?:abs|pdf|html)/(?:arxiv:)?(?P<id>.+?)(?:\.pdf)?/?$", re.I)
_VERSION_RE = re.compile(r"v\d+$")


def arxiv_id(url: str) -> str | None:
    """The paper id in an arXiv `abs/`, `pdf/` or `html/` URL, or None."""
    parts = urlsplit(url)
    if (parts.hostname or "").lower() not in ARXIV_HOSTS:
        return None
    match = _ARXIV_PATH_RE.match(parts.path)
    if not match:
        return None
    candidate = match["id"]
    return candidate if ARXIV_ID_RE.match(candidate) else None


def arxiv_base_id(paper_id: str) -> str:
    """`2307.09288v2` -> `2307.09288`."""
    return _VERSION_RE.sub("", paper_id)


# -- Hugging Face ----------------------------------------------------------------------------

# First path segments that are site pages, not a user or organisation name.
_HF_SITE_PAGES = frozenset(
    {
        "api",
        "blog",
        "chat",
        "docs",
        "enterprise",
        "join",
        "learn",
        "login",
        "models",
        "new",
        "organizations",
        "posts",
        "pricing",
        "privacy",
        "settings",
        "tasks",
        "terms-of-service",
    }
)


class HubRef(NamedTuple):
    """What a huggingface.co URL names: a repo, a collection, a namespace, a paper."""

    kind: str  # "model", "dataset", "space", "collection", "namespace", "paper"
    name: str

    def api_paths(self) -> tuple[str, ...]:
        """Hub API paths to ask, in order (a namespace may be an organisation or a user)."""
        match self.kind:
            case "model" | "dataset":
                return (f"/api/{self.kind}s/{self.name}?expand[]=gated",)
            case "space":
                return (f"/api/spaces/{self.name}",)
            case "collection":
                return (f"/api/collections/{self.name}",)
            case "namespace":
                return (
                    f"/api/organizations/{self.name}/overview",
                    f"/api/users/{self.name}/overview",
                )
            case _:
                return (f"/api/papers/{self.name}",)

    def web_url(self) -> str:
        prefix = {
            "model": "",
            "namespace": "",
            "dataset": "datasets/",
            "space": "spaces/",
            "collection": "collections/",
            "paper": "papers/",
        }[self.kind]
        return f"{HF_WEB}/{prefix}{self.name}"


def hub_ref(url: str) -> HubRef | None:
    """The Hub object a huggingface.co URL points at, or None for other pages (blog, docs)."""
    parts = urlsplit(url)
    if (parts.hostname or "").lower() not in HF_HOSTS:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if not segments:
        return None
    head = segments[0]
    if head in ("datasets", "spaces"):
        kind = head[:-1]
        rest = segments[1:]
        if len(rest) >= 2:
            return HubRef(kind, f"{rest[0]}/{rest[1]}")
        if len(rest) == 1 and kind == "dataset":
            return HubRef(kind, rest[0])  # canonical datasets have no namespace
        return None
    if head == "collections":
        return HubRef("collection", "/".join(segments[1:3])) if len(segments) >= 3 else None
    if head == "papers":
        return HubRef("paper", segments[1]) if len(segments) == 2 else None
    if head in _HF_SITE_PAGES:
        return None
    if len(segments) == 1:
        return HubRef("namespace", head)
    return HubRef("model", f"{head}/{segments[1]}")


def hub_ref_from_api_path(path: str, kind: str) -> HubRef | None:
    """`/api/models/org/name` -> HubRef("model", "org/name"): where a Hub redirect points."""
    prefix = {
        "model": "/api/models/",
        "dataset": "/api/datasets/",
        "space": "/api/spaces/",
        "collection": "/api/collections/",
    }.get(kind)
    if prefix is None or not path.startswith(prefix):
        return None
    name = path[len(prefix) :].split("?", 1)[0].strip("/")
    return HubRef(kind, name) if name else None


def is_login_page(url: str) -> bool:
    parts = urlsplit(url)
    return (parts.hostname or "").lower() in HF_HOSTS and parts.path.rstrip("/") in (
        "/login",
        "/join",
    )
