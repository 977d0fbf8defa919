"""The HTTP client: httpx's request and response types, sent by a small asyncio transport.

Why not the obvious choices (figures from `benchmarks/linkcheck.py`: 1,000 HEADs, 100 ms
latency, 64 in flight, where the floor is 1.56 s): httpx's own async transport slows
sharply with many connections to one host (encode/httpx#3215: 15.5 s); aiohttp is quick per
request but takes ~0.35 s to import (it builds two TLS contexts at import time), a fifth of
such a run, and re-quotes URLs (`?x=%2F` becomes `?x=/`); h11 spends ~140 us of CPU on each
answer, which at 64 in flight delays every round. The answers are parsed by httptools
(llhttp, Node's HTTP parser, ~2 us an answer); this module owns only the connections: a
keep-alive pool per origin, timeouts, TLS (its context built on the first https request),
reads that stop when the caller has enough, and one resend of a request whose kept-alive
connection the server had already closed.

`make_transport` is the only place that picks the transport. Failures keep their kind: a
refused connection is not a timeout, and a run with no network at all exits 3.
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
from collections import deque
from collections.abc import AsyncIterator
from typing import TypeAlias

import httptools
import httpx

IDLE_SECONDS = 15.0  # a kept-alive connection idle longer than this is not reused
MAX_HEAD_BYTES = 256 * 1024  # status line and headers: a server may not send more
BUFFERED_BODY = 256 * 1024  # read no further ahead of the caller than this
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_PORTS = {b"http": 80, b"https": 443}
CONNECTED = "llmcat.connected"  # set in a request's extensions once a connection is made
_FORBIDDEN = (b"\r", b"\n", b"\0")

Origin: TypeAlias = tuple[bytes, bytes, int]
_tls: ssl.SSLContext | None = None


def tls_context() -> ssl.SSLContext:
    """Certificates from certifi (as httpx uses), or from SSL_CERT_FILE / SSL_CERT_DIR if set."""
    global _tls
    if _tls is None:
        if os.environ.get("SSL_CERT_FILE") or os.environ.get("SSL_CERT_DIR"):
            context = ssl.create_default_context()  # OpenSSL reads both variables
        else:
            import certifi

            context = ssl.create_default_context(cafile=certifi.where())
        context.set_alpn_protocols(["http/1.1"])
        _tls = context
    return _tls


class _Closed(Exception):
    """The server closed the connection before its answer was complete."""

    @property
    def detail(self) -> str:
        return f": {self}" if str(self) else ""


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection; httptools calls the `on_*` methods as bytes arrive."""

    def __init__(self, pool: FastTransport, origin: Origin) -> None:
        self.loop = asyncio.get_running_loop()
        self.pool = pool
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.parser: httptools.HttpResponseParser | None = None
        self.head_only = False
        self.received = False  # any byte of the current answer
        self.head: asyncio.Future[None] | None = None
        self.status = 0
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.head_bytes = 0
        self.framed = False  # Content-Length or chunked: the end is known without EOF
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.paused = False
        self.waiter: asyncio.Future[None] | None = None
        self.complete = False
        self.keep_alive = False
        self.error: BaseException | None = None
        self.closed = False
        self.idle_since = 0.0

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.parser is None:  # bytes nobody asked for: the connection is not reusable
            self.keep_alive = False
            self.abort()
            return
        self.received = True
        in_head = self.head is not None and not self.head.done()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(httpx.RemoteProtocolError("the server switched protocols (101)"))
            return
        except httptools.HttpParserError as exc:
            if self.complete:  # stray bytes after a complete answer: keep the answer
                self.keep_alive = False
                self.abort()
            else:
                self._fail(httpx.RemoteProtocolError(str(exc) or type(exc).__name__))
            return
        if in_head and not self.head.done():  # type: ignore[union-attr]
            # httptools keeps an unfinished header line in memory, however long: cap it.
            self.head_bytes += len(data)
            if self.head_bytes > MAX_HEAD_BYTES:
                limit = MAX_HEAD_BYTES // 1024
                self._fail(httpx.RemoteProtocolError(f"headers run past {limit} KiB"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.pool._open.discard(self)
        self.keep_alive = False
        if self.parser is None or self.complete:
            return
        if self.head is not None and self.head.done() and not self.framed:
            self.on_message_complete()  # the body of an unframed answer ends at EOF
            return
        errno = getattr(exc, "errno", None)
        self._fail(_Closed(os.strerror(errno).lower() if errno else str(exc or "")))

    # httptools callbacks

    def on_status(self, reason: bytes) -> None:
        self.reason = reason

    def on_header(self, name: bytes, value: bytes) -> None:
        if self.head is not None and self.head.done():
            return  # a trailer after a chunked body: not part of the answer's headers
        self.headers.append((name, value))
        lowered = name.lower()
        if lowered == b"content-length" or (
            lowered == b"transfer-encoding" and b"chunked" in value.lower()
        ):
            self.framed = True

    def on_headers_complete(self) -> None:
        assert self.parser is not None
        status = self.parser.get_status_code()
        if 100 <= status < 200:  # an interim answer (100 Continue, 103 Early Hints)
            self.headers = []
            self.framed = False
            return
        self.status = status
        self.keep_alive = self.parser.should_keep_alive()
        if self.head is not None and not self.head.done():
            self.head.set_result(None)
        if self.head_only:
            # httptools does not know the request was HEAD: the answer ends here. Anything
            # after it is a protocol error, so the connection is not used again.
            self.complete = True
            self.parser = None

    def on_body(self, chunk: bytes) -> None:
        if self.head_only:
            self.keep_alive = False
            return
        self.chunks.append(chunk)
        self.buffered += len(chunk)
        if self.buffered > BUFFERED_BODY and not self.paused and self.transport is not None:
            self.transport.pause_reading()
            self.paused = True
        self._wake()

    def on_message_complete(self) -> None:
        if self.head is not None and not self.head.done():
            return  # the end of an interim answer; the real one follows
        if self.parser is not None:
            self.keep_alive = self.keep_alive and self.parser.should_keep_alive()
        self.complete = True
        self.parser = None
        self._wake()

    # used by the transport

    def begin(self, method: str, data: bytes) -> asyncio.Future[None]:
        self.parser = httptools.HttpResponseParser(self)
        self.head_only = method == "HEAD"
        self.received = self.complete = self.framed = False
        self.headers = []
        self.head_bytes = 0
        self.chunks.clear()
        self.buffered = 0
        self.error = None
        self.head = self.loop.create_future()
        assert self.transport is not None
        self.transport.write(data)
        return self.head

    async def next_chunk(self, timeout: float | None) -> bytes | None:
        """The next piece of the body, or None at its end."""
        while not self.chunks:
            if self.complete:
                return None
            if self.error is not None:
                raise self.error
            self.waiter = self.loop.create_future()
            try:
                async with asyncio.timeout(timeout):
                    await self.waiter
            finally:
                self.waiter = None
        chunk = self.chunks.popleft()
        self.buffered -= len(chunk)
        if self.paused and self.buffered <= BUFFERED_BODY // 2 and self.transport is not None:
            self.transport.resume_reading()
            self.paused = False
        return chunk

    def reusable(self) -> bool:
        """The answer was read to its end and the server keeps the connection open."""
        return (
            self.complete
            and self.keep_alive
            and not self.closed
            and self.transport is not None
            and not self.transport.is_closing()
        )

    def abort(self) -> None:
        # The request is long sent: nothing is lost by not flushing, and the rest of a
        # half-read 200 MB body is never read.
        if self.transport is not None:
            self.transport.abort()

    def _fail(self, error: BaseException) -> None:
        self.error = error
        self.keep_alive = False
        if self.head is not None and not self.head.done():
            self.head.set_exception(error)
        self._wake()
        self.abort()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)


class _Body(httpx.AsyncByteStream):
    def __init__(self, connection: _Connection, timeout: float | None) -> None:
        self._connection = connection
        self._timeout = timeout
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            while (chunk := await self._connection.next_chunk(self._timeout)) is not None:
                yield chunk
        except TimeoutError as exc:
            raise httpx.ReadTimeout("timed out reading the body") from exc
        except _Closed as exc:
            raise httpx.ReadError(f"the body was cut short{exc.detail}") from exc

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            self._connection.pool._give_back(self._connection)


class FastTransport(httpx.AsyncBaseTransport):
    """An httpx transport with at most `max_connections` connections in use at once."""

    def __init__(self, *, max_connections: int) -> None:
        self._max_connections = max(1, max_connections)
        self._slots: asyncio.Semaphore | None = None  # made in the running loop
        self._idle: dict[Origin, list[_Connection]] = {}
        self._idle_count = 0
        self._open: set[_Connection] = set()  # idle or in use: all closed by aclose

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        scheme = url.raw_scheme
        if scheme not in DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"not an http(s) URL: {url}")
        data = _request_bytes(request)
        origin = (scheme, url.raw_host, url.port or DEFAULT_PORTS[scheme])
        timeouts = request.extensions.get("timeout", {})
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._max_connections)
        await self._slots.acquire()
        try:
            return await self._send(request, data, origin, timeouts)
        except BaseException:
            self._slots.release()
            raise

    async def _send(
        self,
        request: httpx.Request,
        data: bytes,
        origin: Origin,
        timeouts: dict[str, float | None],
    ) -> httpx.Response:
        read_timeout = timeouts.get("read")
        while True:
            connection = self._take_idle(origin)
            reused = connection is not None
            if connection is None:
                connection = await _connect(self, origin, timeouts.get("connect"))
                self._open.add(connection)
            # Tells the caller that a server was reached, whatever happens next: a run that
            # only ever fails after connecting has a network (exit 3 means it has none).
            request.extensions[CONNECTED] = True
            try:
                async with asyncio.timeout(read_timeout):
                    await connection.begin(request.method, data)
            except TimeoutError as exc:
                connection.abort()
                raise httpx.ReadTimeout("timed out waiting for the answer") from exc
            except _Closed as exc:
                connection.abort()
                if reused and not connection.received and request.method in IDEMPOTENT:
                    continue  # the server had closed it while idle: once more, on a new one
                if connection.received:
                    raise httpx.ReadError(f"the answer was cut short{exc.detail}") from exc
                raise httpx.ReadError(
                    f"the server closed the connection without answering{exc.detail}"
                ) from exc
            except BaseException:
                connection.abort()
                raise
            extensions: dict[str, object] = {"http_version": b"HTTP/1.1"}
            if connection.reason:
                extensions["reason_phrase"] = connection.reason
            return httpx.Response(
                status_code=connection.status,
                headers=connection.headers,
                stream=_Body(connection, read_timeout),
                request=request,
                extensions=extensions,
            )

    def _take_idle(self, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        if not idle:
            return None
        now = asyncio.get_running_loop().time()
        while idle:
            connection = idle.pop()
            self._idle_count -= 1
            if connection.reusable() and now - connection.idle_since < IDLE_SECONDS:
                return connection
            connection.abort()
        return None

    def _give_back(self, connection: _Connection) -> None:
        if self._slots is not None:
            self._slots.release()
        if not connection.reusable() or self._idle_count >= self._max_connections:
            connection.abort()
            return
        connection.idle_since = connection.loop.time()
        self._idle.setdefault(connection.origin, []).append(connection)
        self._idle_count += 1

    async def aclose(self) -> None:
        for connection in self._open:
            connection.abort()
        self._open.clear()
        self._idle.clear()
        self._idle_count = 0
        await asyncio.sleep(0)  # let the aborted sockets close before the loop does


def _request_bytes(request: httpx.Request) -> bytes:
    """The request head (and body) as sent: the target as httpx.URL keeps it.

    httpx keeps percent-escapes as written (`%2F` stays `%2F`); it removes `.`/`..`
    segments and escapes characters that may not appear raw, as browsers do.
    """
    lines = [b"%s %s HTTP/1.1" % (request.method.encode("ascii"), request.url.raw_path)]
    for name, value in request.headers.raw:
        if any(c in name or c in value for c in _FORBIDDEN):
            raise httpx.LocalProtocolError(f"header {name.decode('latin-1')!r} holds a line break")
        lines.append(name + b": " + value)
    head = b"\r\n".join(lines) + b"\r\n\r\n"
    return head + request.content if request.content else head


async def _connect(pool: FastTransport, origin: Origin, timeout: float | None) -> _Connection:
    scheme, raw_host, port = origin
    host = raw_host.decode("ascii")
    tls = tls_context() if scheme == b"https" else None
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            _, connection = await loop.create_connection(
                lambda: _Connection(pool, origin),
                host,
                port,
                ssl=tls,
                server_hostname=host if tls else None,
                # Racing IPv6 against IPv4 needs a name with both; an address has one.
                happy_eyeballs_delay=None if _is_address(host) else 0.25,
            )
    except TimeoutError as exc:
        raise httpx.ConnectTimeout(f"timed out connecting to {host}") from exc
    except socket.gaierror as exc:
        raise httpx.ConnectError("host name not found") from exc
    except ssl.SSLCertVerificationError as exc:
        raise httpx.ConnectError(f"TLS certificate not accepted: {exc.verify_message}") from exc
    except ssl.SSLError as exc:
        raise httpx.ConnectError(f"TLS handshake failed: {exc.reason or exc}") from exc
    except OSError as exc:
        message = os.strerror(exc.errno).lower() if exc.errno else str(exc)
        raise httpx.ConnectError(message or type(exc).__name__) from exc
    return connection


def _is_address(host: str) -> bool:
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
        except OSError:
            continue
        return True
    return False


def make_transport(*, max_connections: int) -> httpx.AsyncBaseTransport:
    """The one place that chooses how requests are sent (see the module docstring).

    The checker sends `httpx.Request`s straight to the transport: an `httpx.AsyncClient`
    on top would add cookie jar, auth and redirect machinery that the checker does not
    use, and about 0.6 ms of CPU per request (a third of the run at 64 in flight).
    """
    return FastTransport(max_connections=max_connections)


def describe_error(exc: BaseException, timeout: float) -> str:
    """A short reason for a failed request, for `unverified` verdicts."""
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        if isinstance(exc, httpx.ConnectTimeout):
            return f"timed out connecting (after {timeout:g} s)"
        return f"timed out (no complete answer within {timeout:g} s)"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect: {exc}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"not a valid HTTP answer: {exc}"
    if isinstance(exc, httpx.ReadError):
        return f"connection reset or closed by the server: {exc}"
    return f"request failed: {exc or type(exc).__name__}"


def is_transport_error(exc: BaseException) -> bool:
    return isinstance(exc, httpx.TransportError | TimeoutError | asyncio.TimeoutError)
