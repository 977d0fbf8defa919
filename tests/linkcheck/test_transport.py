"""The transport under the link checker, against scripted servers on 127.0.0.1.

Each server here speaks raw bytes over a real socket, so that the tests can send exactly
what a faulty or unusual server sends: interim answers, bodies without framing, garbage,
and kept-alive connections that the server closes under the client's feet.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from llmcat.linkcheck import transport as transport_module
from llmcat.linkcheck.transport import FastTransport

TLS = Path(__file__).parents[1] / "data" / "tls"

# (the server, one connection, its number from 0) -> None
Script = Callable[["RawServer", socket.socket, int], None]


class RawServer:
    """Accepts connections on 127.0.0.1 and runs `script` on each, in its own thread."""

    def __init__(self, script: Script, tls: ssl.SSLContext | None = None) -> None:
        self.script = script
        self.tls = tls
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.open_now = 0
        self.most_open = 0
        self.requests: list[bytes] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                number = self.connections
                self.connections += 1
                self.open_now += 1
                self.most_open = max(self.most_open, self.open_now)
            threading.Thread(target=self._serve, args=(conn, number), daemon=True).start()

    def _serve(self, conn: socket.socket, number: int) -> None:
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            self.script(self, conn, number)
        except OSError:  # ssl.SSLError included: a client that refused the certificate
            pass
        finally:
            with self._lock:
                self.open_now -= 1
            conn.close()

    def read_request(self, conn: socket.socket) -> bytes | None:
        """One request head, or None when the client closed the connection."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        with self._lock:
            self.requests.append(data)
        return data

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def serve() -> Iterator[Callable[[Script], RawServer]]:
    servers: list[RawServer] = []

    def start(script: Script, tls: ssl.SSLContext | None = None) -> RawServer:
        servers.append(RawServer(script, tls))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def answering(*answers: bytes) -> Script:
    """Answer the requests on each connection with `answers` in turn, then the last again."""

    def script(server: RawServer, conn: socket.socket, number: int) -> None:
        index = 0
        while server.read_request(conn) is not None:
            conn.sendall(answers[min(index, len(answers) - 1)])
            index += 1

    return script


def answering_once(answer: bytes) -> Script:
    """Answer the first request with `answer` (maybe nothing), then close the connection."""

    def script(server: RawServer, conn: socket.socket, number: int) -> None:
        server.read_request(conn)
        conn.sendall(answer)

    return script


async def send(transport: FastTransport, url: str, method: str = "GET", **kw) -> httpx.Response:
    """The response, its body not read yet."""
    request = httpx.Request(method, url, extensions={"timeout": {"connect": 2, "read": 2}}, **kw)
    return await transport.handle_async_request(request)


async def fetch(
    transport: FastTransport, url: str, method: str = "GET", read: int | None = None, **kw
) -> tuple[int, bytes]:
    response = await send(transport, url, method, **kw)
    body = b""
    try:
        async for chunk in response.aiter_raw():
            body += chunk
            if read is not None and len(body) >= read:
                break
    finally:
        await response.aclose()
    return response.status_code, body


def run(coroutine_function: Callable[[FastTransport], object], max_connections: int = 8):
    async def main():
        transport = FastTransport(max_connections=max_connections)
        try:
            return await coroutine_function(transport)  # type: ignore[misc]
        finally:
            await transport.aclose()

    return asyncio.run(main())


OK_HELLO = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"


def test_a_kept_alive_connection_is_reused(serve):
    server = serve(answering(OK_HELLO))

    async def twice(transport):
        return [await fetch(transport, f"{server.url}/{path}") for path in ("a", "b")]

    assert run(twice) == [(200, b"hello"), (200, b"hello")]
    assert server.connections == 1


def test_the_target_reaches_the_wire_exactly_as_written(serve):
    server = serve(answering(OK_HELLO))
    run(lambda t: fetch(t, f"{server.url}/org%2Frepo/a%23b?q=%2F&x=1"))
    assert server.requests[0].startswith(b"GET /org%2Frepo/a%23b?q=%2F&x=1 HTTP/1.1\r\n")


def test_a_connection_the_server_closed_while_idle_is_replaced_once(serve):
    def script(server: RawServer, conn: socket.socket, number: int) -> None:
        if server.read_request(conn) is None:
            return
        if number == 0:
            conn.sendall(OK_HELLO)  # keep-alive, then drop the next request unanswered
            server.read_request(conn)
            return
        conn.sendall(OK_HELLO)

    server = serve(script)

    async def twice(transport):
        return [await fetch(transport, f"{server.url}/{path}") for path in ("a", "b")]

    assert run(twice) == [(200, b"hello"), (200, b"hello")]
    assert server.connections == 2


def test_a_new_connection_closed_without_an_answer_is_an_error_not_a_resend(serve):
    server = serve(answering_once(b""))  # close without a word
    with pytest.raises(httpx.ReadError, match="closed the connection without answering"):
        run(lambda t: fetch(t, f"{server.url}/"))
    assert server.connections == 1


def test_head_answers_end_at_their_headers_and_keep_the_connection(serve):
    server = serve(answering(b"HTTP/1.1 200 OK\r\nContent-Length: 12345\r\n\r\n"))

    async def twice(transport):
        return [
            await fetch(transport, f"{server.url}/a", "HEAD"),
            await fetch(transport, f"{server.url}/b", "HEAD"),
        ]

    assert run(twice) == [(200, b""), (200, b"")]
    assert server.connections == 1


def test_interim_answers_are_skipped(serve):
    server = serve(answering(b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n" + OK_HELLO))
    assert run(lambda t: fetch(t, f"{server.url}/")) == (200, b"hello")


def test_chunked_bodies_are_decoded(serve):
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunked += b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    server = serve(answering(chunked))
    assert run(lambda t: fetch(t, f"{server.url}/")) == (200, b"abcde")


def test_a_body_without_framing_ends_when_the_server_closes(serve):
    server = serve(answering_once(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it"))
    assert run(lambda t: fetch(t, f"{server.url}/")) == (200, b"all of it")


def test_a_body_cut_short_is_a_read_error(serve):
    server = serve(answering_once(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this"))
    with pytest.raises(httpx.ReadError, match="cut short"):
        run(lambda t: fetch(t, f"{server.url}/"))


def test_a_body_read_in_part_closes_its_connection(serve):
    big = b"HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n" + b"x" * 10_000_000
    server = serve(answering(big))

    async def twice(transport):
        first = await fetch(transport, f"{server.url}/a", read=1000)
        second = await fetch(transport, f"{server.url}/b", read=1000)
        return first[0], second[0]

    assert run(twice) == (200, 200)
    assert server.connections == 2  # the half-read connection was not reused


def test_garbage_is_a_protocol_error(serve):
    server = serve(answering(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"))
    with pytest.raises(httpx.RemoteProtocolError, match="Expected HTTP/"):
        run(lambda t: fetch(t, f"{server.url}/"))


def test_endless_headers_are_cut_off(serve):
    def script(server: RawServer, conn: socket.socket, number: int) -> None:
        server.read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for i in range(100_000):  # 3 MB of headers, if the client kept reading
            conn.sendall(b"X-Filler-%d: %s\r\n" % (i, b"y" * 20))

    server = serve(script)
    with pytest.raises(httpx.RemoteProtocolError, match="headers run past 256 KiB"):
        run(lambda t: fetch(t, f"{server.url}/"))


def test_a_header_with_a_line_break_is_refused_before_anything_is_sent(serve):
    server = serve(answering(OK_HELLO))
    with pytest.raises(httpx.LocalProtocolError, match="line break"):
        run(lambda t: fetch(t, f"{server.url}/", headers={"Authorization": "a\r\nX-Evil: 1"}))
    assert server.connections == 0


def test_no_more_than_max_connections_are_open_at_once(serve):
    def script(server: RawServer, conn: socket.socket, number: int) -> None:
        while server.read_request(conn) is not None:
            time.sleep(0.05)
            conn.sendall(OK_HELLO)

    server = serve(script)

    async def many(transport):
        return await asyncio.gather(*(fetch(transport, f"{server.url}/{i}") for i in range(8)))

    assert run(many, max_connections=2) == [(200, b"hello")] * 8
    assert server.most_open == 2


def test_no_answer_within_the_read_timeout_is_a_read_timeout(serve):
    def script(server: RawServer, conn: socket.socket, number: int) -> None:
        server.read_request(conn)
        time.sleep(2)

    server = serve(script)

    async def slow(transport):
        request = httpx.Request("HEAD", server.url, extensions={"timeout": {"read": 0.2}})
        return await transport.handle_async_request(request)

    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        run(slow)
    assert time.monotonic() - started < 1.5


def test_a_refused_connection_is_a_connect_error():
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]  # closed again on leaving: nothing listens there
    with pytest.raises(httpx.ConnectError, match="refused"):
        run(lambda t: fetch(t, f"http://127.0.0.1:{port}/"))


@pytest.fixture
def tls_server(serve) -> RawServer:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(TLS / "localhost.pem", TLS / "localhost.key")
    return serve(answering(OK_HELLO), context)


def test_https_with_a_trusted_certificate(tls_server, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "localhost.pem"))
    monkeypatch.setattr(transport_module, "_tls", None)  # built again, from the variable
    assert run(lambda t: fetch(t, f"{tls_server.url}/")) == (200, b"hello")
    assert tls_server.requests[0].startswith(b"GET / HTTP/1.1\r\n")


def test_https_with_an_unknown_certificate_is_a_connect_error(tls_server, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.setattr(transport_module, "_tls", None)  # certifi's bundle, not our test CA
    with pytest.raises(httpx.ConnectError, match="TLS certificate not accepted"):
        run(lambda t: fetch(t, f"{tls_server.url}/"))
    assert tls_server.requests == []


def test_a_header_line_that_never_ends_is_cut_off(serve):
    def script(server: RawServer, conn: socket.socket, number: int) -> None:
        server.read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-Long: ")
        for _ in range(1000):  # 10 MB without a line end, if the client kept reading
            conn.sendall(b"a" * 10_000)

    server = serve(script)
    with pytest.raises(httpx.RemoteProtocolError, match="headers run past 256 KiB"):
        run(lambda t: fetch(t, f"{server.url}/"))


def test_bytes_after_a_complete_answer_keep_the_answer_but_not_the_connection(serve):
    server = serve(answering(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokJUNK"))

    async def twice(transport):
        return [await fetch(transport, f"{server.url}/{path}") for path in ("a", "b")]

    assert run(twice) == [(200, b"ok"), (200, b"ok")]
    assert server.connections == 2


def test_trailers_are_not_taken_for_headers(serve):
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Head: 1\r\n\r\n"
    chunked += b"2\r\nok\r\n0\r\nX-Trailer: 1\r\n\r\n"
    server = serve(answering(chunked))

    async def headers(transport):
        response = await send(transport, server.url)
        body = b"".join([chunk async for chunk in response.aiter_raw()])
        await response.aclose()
        return body, sorted(response.headers)

    assert run(headers) == (b"ok", ["transfer-encoding", "x-head"])


def test_closing_the_transport_closes_connections_still_in_use(serve):
    closed = threading.Event()

    def script(server: RawServer, conn: socket.socket, number: int) -> None:
        server.read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nstart")
        if server.read_request(conn) is None:  # the client closed the connection
            closed.set()

    server = serve(script)

    async def leave_open(transport):
        return await send(transport, server.url)  # never read, never closed

    assert run(leave_open).status_code == 200  # run() closes the transport afterwards
    assert closed.wait(2)


def test_a_server_that_sends_garbage_was_reached(serve):
    from llmcat.linkcheck import CheckConfig, LinkKind, Remap, Status, Target
    from llmcat.linkcheck.runner import check_targets_async

    server = serve(answering(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"))
    config = CheckConfig(
        max_retries=0, timeout=2, remaps=(Remap.parse(f"^https://[^/]+/ {server.url}/"),)
    )
    targets = [Target("https://garbage.test/x", LinkKind.other, ())]
    report = asyncio.run(check_targets_async(targets, config))
    result = report.results[0]
    assert result.status is Status.unverified
    assert (result.reason or "").startswith("not a valid HTTP answer: ")
    assert result.reached and not report.no_network  # a live server, not a missing network
