"""One logical request: remapped, paced, retried, redirects followed hop by hop.

Every decision about a hop is taken on the URL as written in the card (or as the redirect
named it), before `--remap` rewrites it: which host's pace applies and whether a token may
be sent. A token therefore never follows a redirect to another host, remapped or not.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urlsplit

import httpx

from llmcat.linkcheck.config import CheckConfig
from llmcat.linkcheck.pacing import HostGate, backoff_delay, parse_quota, parse_retry_after
from llmcat.linkcheck.transport import (
    CONNECTED,
    describe_error,
    is_transport_error,
    make_transport,
)
from llmcat.linkcheck.urls import (
    ARXIV_HOSTS,
    GITHUB_TOKEN_HOSTS,
    apply_remaps,
    host_of,
    resolve_location,
    without_fragment,
)

REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
RETRIED_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
ARXIV_GATE = "arxiv"


class Hop(NamedTuple):
    url: str  # as written, before the remap
    status: int
    location: str | None = None


@dataclass
class Outcome:
    """What came back for one logical request, after redirects and retries."""

    hops: list[Hop] = field(default_factory=list)
    headers: httpx.Headers | None = None
    body: bytes = b""
    error: str | None = None  # the last transport failure, when no answer came back
    invalid: str | None = None  # the URL (or a redirect's Location) cannot be requested
    redirect_loop: bool = False
    too_many_redirects: bool = False
    attempts: int = 0
    lost: str | None = None  # the URL (maybe a redirect's) that got no answer: see `error`
    connected: bool = False  # some server was reached, even if nothing valid came back

    @property
    def status(self) -> int | None:
        return self.hops[-1].status if self.hops else None

    @property
    def final_url(self) -> str | None:
        return self.hops[-1].url if self.hops else None

    @property
    def redirected(self) -> bool:
        return len(self.hops) > 1

    @property
    def reached(self) -> bool:
        return bool(self.hops)

    def header(self, name: str) -> str | None:
        return self.headers.get(name) if self.headers is not None else None


class Fetcher:
    """Sends requests for all the checkers of one run; owns the clients and the host gates."""

    def __init__(
        self,
        config: CheckConfig,
        *,
        transport_factory: Callable[..., httpx.AsyncBaseTransport] = make_transport,
    ) -> None:
        self.config = config
        self._global = asyncio.Semaphore(max(1, config.max_concurrency))
        self._transport = transport_factory(max_connections=config.max_concurrency)
        # arXiv asks for one connection at a time: it gets a pool of one.
        self._arxiv_transport = transport_factory(max_connections=1)
        self._base_headers = {
            "User-Agent": config.user_agent,
            "Accept": "*/*",
            "Accept-Encoding": "gzip, deflate",
        }
        self._timeouts = {
            "timeout": {
                "connect": config.timeout,
                "read": config.timeout,
                "write": config.timeout,
                "pool": config.timeout,
            }
        }
        self._gates: dict[str, HostGate] = {}
        self._hub_origin = _origin(config.hf_endpoint)

    async def aclose(self) -> None:
        for transport in (self._transport, self._arxiv_transport):
            with contextlib.suppress(Exception):
                await transport.aclose()

    def gate(self, url: str) -> HostGate:
        host = host_of(url)
        key = ARXIV_GATE if host in ARXIV_HOSTS else host
        gate = self._gates.get(key)
        if gate is None:
            if key == ARXIV_GATE:
                gate = HostGate(1, max(self.config.arxiv_interval, self.config.per_host_interval))
            else:
                gate = HostGate(self.config.per_host_concurrency, self.config.per_host_interval)
            self._gates[key] = gate
        return gate

    def _auth_headers(self, url: str) -> dict[str, str]:
        origin = _origin(url)
        if self.config.hf_token and origin == self._hub_origin:
            return {"Authorization": f"Bearer {self.config.hf_token}"}
        if self.config.github_token and origin[0] == "https" and origin[1] in GITHUB_TOKEN_HOSTS:
            return {"Authorization": f"Bearer {self.config.github_token}"}
        return {}

    async def fetch(
        self,
        url: str,
        *,
        method: str = "HEAD",
        body_limit: int = 0,
        headers: dict[str, str] | None = None,
        follow: bool = True,
    ) -> Outcome:
        """Request `url` (as written), following up to `max_redirects` redirects."""
        outcome = Outcome()
        seen: set[str] = set()
        current = without_fragment(url)
        while True:
            seen.add(current)
            answer = await self._send_with_retries(current, method, body_limit, headers, outcome)
            if answer is None:
                outcome.lost = current if outcome.invalid is None else None
                return outcome
            status, response_headers, body = answer
            location = response_headers.get("location")
            outcome.hops.append(Hop(current, status, location))
            outcome.headers = response_headers
            outcome.body = body
            if not (follow and status in REDIRECTS and location):
                return outcome
            if len(outcome.hops) > self.config.max_redirects:
                outcome.too_many_redirects = True
                return outcome
            try:
                following = without_fragment(resolve_location(current, location))
            except ValueError as exc:  # urljoin refuses it (a broken IPv6 host, say)
                outcome.invalid = f"{location!r} ({exc})"
                return outcome
            if following in seen:
                outcome.hops.append(Hop(following, status, None))
                outcome.redirect_loop = True
                return outcome
            current = following

    async def _send_with_retries(
        self,
        url: str,
        method: str,
        body_limit: int,
        headers: dict[str, str] | None,
        outcome: Outcome,
    ) -> tuple[int, httpx.Headers, bytes] | None:
        """Send `url` (as written, not remapped); None when no answer came back."""
        config = self.config
        gate = self.gate(url)
        arxiv = host_of(url) in ARXIV_HOSTS
        transport = self._arxiv_transport if arxiv else self._transport
        # arXiv's 429 rarely says how long to wait; never retry it faster than its pace.
        base = max(config.backoff_base, config.arxiv_interval) if arxiv else config.backoff_base
        wire_url: httpx.URL | None = None
        request_headers: dict[str, str] = {}
        attempt = 0
        while True:
            failure: BaseException | None = None
            answer: tuple[int, httpx.Headers, bytes] | None = None
            async with gate.turn(), self._global:
                if wire_url is None:
                    # Prepared only once a slot is free: a thousand queued requests then cost
                    # nothing until their turn, and the first ones go out at once.
                    wire = apply_remaps(url, config.remaps)
                    wire_url, problem = parse_url(wire)
                    if wire_url is None:
                        # What is wrong with the URL as written, unless only the remap broke it.
                        outcome.invalid = (parse_url(url)[1] if wire != url else None) or problem
                        return None
                    request_headers = {
                        **self._base_headers,
                        **(headers or {}),
                        **self._auth_headers(url),
                    }
                outcome.attempts += 1
                try:
                    async with asyncio.timeout(config.timeout):
                        answer = await self._send_once(
                            transport, method, wire_url, request_headers, body_limit, outcome
                        )
                except Exception as exc:
                    if not is_transport_error(exc):
                        raise
                    failure = exc
            if failure is not None:
                outcome.error = describe_error(failure, config.timeout)
                if attempt >= config.max_retries:
                    return None
                await asyncio.sleep(backoff_delay(attempt, base, config.backoff_cap))
                attempt += 1
                continue
            assert answer is not None
            status, response_headers, _ = answer
            quota = parse_quota(response_headers)
            if quota is not None:
                gate.observe_quota(*quota, cap=config.retry_after_cap)
            if status not in RETRIED_STATUSES or attempt >= config.max_retries:
                return answer
            wait = parse_retry_after(response_headers.get("retry-after"))
            if wait is None:
                wait = backoff_delay(attempt, base, config.backoff_cap)
            wait = min(wait, config.retry_after_cap)
            if status == 429 or response_headers.get("retry-after"):
                gate.pause(wait)  # the whole host waits, not just this request
            else:
                await asyncio.sleep(wait)
            attempt += 1

    async def _send_once(
        self,
        transport: httpx.AsyncBaseTransport,
        method: str,
        wire_url: httpx.URL,
        headers: dict[str, str],
        body_limit: int,
        outcome: Outcome,
    ) -> tuple[int, httpx.Headers, bytes]:
        request = httpx.Request(method, wire_url, headers=headers, extensions=self._timeouts)
        try:
            response = await transport.handle_async_request(request)
        finally:
            # Mock transports do not say; they are not the network either.
            outcome.connected = outcome.connected or bool(request.extensions.get(CONNECTED))
        try:
            body = await read_some(response, body_limit) if method != "HEAD" else b""
        finally:
            await response.aclose()
        return response.status_code, response.headers, body


def parse_url(url: str) -> tuple[httpx.URL | None, str | None]:
    """The URL ready to send, or None and why it cannot be sent at all."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        return None, str(exc)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return None, "not an http(s) URL with a host"
    return parsed, None


def _origin(url: str) -> tuple[str, str, int | None]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # no origin any token belongs to
        return ("", "", -1)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    return (parts.scheme, (parts.hostname or "").lower(), port or default)


async def read_some(response: httpx.Response, limit: int) -> bytes:
    """At most `limit` bytes of the (decoded) body; the rest is never read or inflated.

    httpx's own decoding inflates a whole chunk before anyone can stop it: 1 MB of gzip on
    the wire became 1 GiB in memory. Here each piece is inflated only as far as `limit`.
    A body that will not decode (or uses an encoding never asked for) reads as what was
    decoded so far: the verdict then rests on the status and headers.
    """
    if limit <= 0:
        return b""
    if response.is_stream_consumed:  # read already, decoded (httpx.MockTransport does that)
        return response.content[:limit]
    inflate = _decoder(response.headers.get("content-encoding", ""))
    if inflate is None:
        return b""
    chunks: list[bytes] = []
    size = 0
    async for raw in response.aiter_raw():
        try:
            chunk = inflate(raw, limit - size)
        except zlib.error:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit]


def _decoder(encoding: str) -> Callable[[bytes, int], bytes] | None:
    """`decode(piece, at_most)` for a Content-Encoding, or None when it cannot be decoded."""
    parts = (part.strip().lower() for part in encoding.split(","))
    codings = [c for c in parts if c and c != "identity"]
    if not codings:
        return lambda raw, at_most: raw[:at_most]
    if len(codings) > 1 or codings[0] not in ("gzip", "x-gzip", "deflate"):
        return None  # never asked for (Accept-Encoding is gzip, deflate)
    # gzip, or deflate as zlib data (RFC 9110) or, as some servers send it, raw
    inflater = zlib.decompressobj(wbits=31 if "gzip" in codings[0] else 15)
    may_be_raw = codings[0] == "deflate"  # until the first piece decodes as zlib data

    def decode(raw: bytes, at_most: int) -> bytes:
        # Output stops at `at_most`; the caller stops then too, so no input is left over.
        nonlocal inflater, may_be_raw
        try:
            piece = inflater.decompress(raw, at_most)
        except zlib.error:
            if not may_be_raw:
                raise
            inflater = zlib.decompressobj(wbits=-15)
            piece = inflater.decompress(raw, at_most)
        may_be_raw = False
        return piece

    return decode
