"""The HTTP client: httpx's API on an aiohttp connection pool, chosen in one function.

httpx's own async transport slows sharply with many connections to one host
(encode/httpx#3215): 1,000 HEADs to a local server with 100 ms latency took 15.5 s at
concurrency 64, against 1.7 s for aiohttp. `make_transport` is the only place that picks
the transport; `benchmarks/linkcheck.py` measures it. This adapter, rather than the
`httpx-aiohttp` package, because the request URL must reach the wire as written (aiohttp
re-quotes strings, turning `?x=%2F` into `?x=/`) and because failures must keep their kind:
a refused connection is not a timeout, and a run with no network at all exits 3.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import aiohttp
import httpx
import yarl


class _AiohttpStream(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except aiohttp.ClientPayloadError as exc:
            raise httpx.ReadError(str(exc) or "the body was cut short") from exc
        except aiohttp.ClientError as exc:
            raise _mapped(exc) from exc
        except TimeoutError as exc:
            raise httpx.ReadTimeout("timed out reading the body") from exc

    async def aclose(self) -> None:
        # A body read only in part must not go back to the pool: close the connection.
        if self._response.content.is_eof():
            self._response.release()
        else:
            self._response.close()


def _mapped(exc: BaseException) -> httpx.TransportError:
    message = str(exc) or type(exc).__name__
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message)
    if isinstance(exc, aiohttp.ServerTimeoutError):
        return httpx.ReadTimeout(message)
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc, aiohttp.ClientConnectorDNSError):
            return httpx.ConnectError("host name not found")
        code = getattr(exc.os_error, "errno", None)
        return httpx.ConnectError(os.strerror(code).lower() if code else message)
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError):
        return httpx.ReadError(message)
    if isinstance(exc, aiohttp.InvalidURL):
        return httpx.UnsupportedProtocol(message)
    if isinstance(exc, aiohttp.ClientResponseError):
        return httpx.RemoteProtocolError(message)
    return httpx.NetworkError(message)


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport that sends requests with one aiohttp session (created lazily)."""

    def __init__(self, *, max_connections: int) -> None:
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._max_connections, limit_per_host=0)
            self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),  # no state carried between hosts
                trust_env=False,
                auto_decompress=False,  # httpx decodes
                timeout=aiohttp.ClientTimeout(total=None),
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._get_session()
        timeout = request.extensions.get("timeout", {})
        content = request.content or None
        try:
            response = await session.request(
                request.method,
                yarl.URL(str(request.url), encoded=True),
                headers=list(request.headers.multi_items()),
                data=content,
                allow_redirects=False,
                skip_auto_headers=("User-Agent", "Accept-Encoding", "Accept"),
                timeout=aiohttp.ClientTimeout(
                    total=None, sock_connect=timeout.get("connect"), sock_read=timeout.get("read")
                ),
            )
        except aiohttp.ClientError as exc:
            raise _mapped(exc) from exc
        except TimeoutError as exc:
            raise httpx.ReadTimeout("timed out waiting for the answer") from exc
        extensions: dict[str, object] = {"http_version": b"HTTP/1.1"}
        if response.reason:
            extensions["reason_phrase"] = response.reason.encode("latin-1", "replace")
        return httpx.Response(
            status_code=response.status,
            headers=list(response.raw_headers),
            stream=_AiohttpStream(response),
            request=request,
            extensions=extensions,
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def make_transport(*, max_connections: int) -> httpx.AsyncBaseTransport:
    """The one place that chooses how requests are sent (see the module docstring).

    The checker sends `httpx.Request`s straight to the transport: an `httpx.AsyncClient`
    on top would add cookie jar, auth and redirect machinery that the checker does not
    use, and about 0.6 ms of CPU per request (a third of the run at 64 in flight).
    """
    return AiohttpTransport(max_connections=max_connections)


def describe_error(exc: BaseException, timeout: float) -> str:
    """A short reason for a failed request, for `unverified` verdicts."""
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        if isinstance(exc, httpx.ConnectTimeout):
            return f"timed out connecting (after {timeout:g} s)"
        return f"timed out (no complete answer within {timeout:g} s)"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect: {exc}"
    if isinstance(exc, httpx.ReadError | httpx.RemoteProtocolError):
        return f"connection reset or closed by the server: {exc}"
    return f"request failed: {exc or type(exc).__name__}"


def is_transport_error(exc: BaseException) -> bool:
    return isinstance(exc, httpx.TransportError | TimeoutError | asyncio.TimeoutError)
