"""Real HTTP servers on 127.0.0.1 that act like the Hub, arXiv, GitHub and faulty hosts.

Each `FakeHost` is a ThreadingHTTPServer on port 0 with a table of routes. A route answers
with a `Reply` (or a function of the `Seen` request returning one), which can also hang,
reset the connection, or stream a huge body while counting what was actually sent.
"""

from __future__ import annotations

import http.server
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Seen:
    """One request as the server received it."""

    method: str
    path: str  # raw, exactly as sent on the request line
    headers: dict[str, str]
    client_port: int
    started: float  # time.monotonic()

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    action: str | None = None  # None, "hang", "reset", "stream"
    stream_size: int = 0
    delay: float = 0.0


Handler = Reply | Callable[[Seen], Reply]


class FakeHost:
    """One fake host. `route(pattern, handler)`; unknown paths answer 404."""

    def __init__(self, name: str = "host") -> None:
        self.name = name
        self.routes: list[tuple[re.Pattern[str], Handler, frozenset[str] | None]] = []
        self.seen: list[Seen] = []
        self.finished: list[tuple[Seen, float]] = []  # (request, time.monotonic() at the end)
        self.streamed: dict[str, int] = {}  # path -> bytes written before the client left
        self.stop = threading.Event()
        self._lock = threading.Condition()
        host = self

        class _Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, so connections can be counted

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _serve(self) -> None:
                host._handle(self)

            do_GET = do_HEAD = do_POST = _serve

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False  # type: ignore[attr-defined]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # -- set-up -----------------------------------------------------------------------------

    def start(self) -> FakeHost:
        self.thread.start()
        return self

    def close(self) -> None:
        self.stop.set()  # releases hanging handlers
        self.server.shutdown()
        self.server.server_close()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def route(self, pattern: str, handler: Handler, methods: Iterable[str] | None = None) -> None:
        """`pattern` is a regex that must match the whole raw path (query included)."""
        allowed = frozenset(m.upper() for m in methods) if methods else None
        self.routes.insert(0, (re.compile(pattern), handler, allowed))

    def sequence(self, pattern: str, *replies: Reply) -> None:
        """Answer the first request with the first reply, and so on; then keep the last."""
        remaining = list(replies)

        def next_reply(_: Seen) -> Reply:
            with self._lock:
                return remaining.pop(0) if len(remaining) > 1 else remaining[0]

        self.route(pattern, next_reply)

    # -- inspecting -------------------------------------------------------------------------

    def requests(self, pattern: str = ".*", method: str | None = None) -> list[Seen]:
        compiled = re.compile(pattern)
        return [
            s
            for s in list(self.seen)
            if compiled.fullmatch(s.path) and (method is None or s.method == method)
        ]

    # -- answering --------------------------------------------------------------------------

    def _reply_for(self, seen: Seen) -> Reply:
        for pattern, handler, methods in self.routes:
            if pattern.fullmatch(seen.path) and (methods is None or seen.method in methods):
                return handler(seen) if callable(handler) else handler
        return Reply(404, body=b"not found")

    def _handle(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        seen = Seen(
            handler.command,
            handler.path,
            {k.lower(): v for k, v in handler.headers.items()},
            handler.client_address[1],
            time.monotonic(),
        )
        with self._lock:
            self.seen.append(seen)
        reply = self._reply_for(seen)
        try:
            self._answer(handler, seen, reply)
        finally:
            with self._lock:
                self.finished.append((seen, time.monotonic()))
                self._lock.notify_all()

    def settled(self, timeout: float = 10.0) -> list[tuple[Seen, float]]:
        """`finished`, once every request seen so far has been answered in full.

        The client may have its answer before the server thread records the end of it.
        """
        with self._lock:
            self._lock.wait_for(lambda: len(self.finished) >= len(self.seen), timeout)
            return list(self.finished)

    def _answer(
        self, handler: http.server.BaseHTTPRequestHandler, seen: Seen, reply: Reply
    ) -> None:
        if reply.delay:
            self.stop.wait(reply.delay)
        if reply.action == "hang":
            self.stop.wait(60)
            handler.close_connection = True
            return
        if reply.action == "reset":
            # SO_LINGER 0: close() sends a TCP RST instead of a FIN.
            handler.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            handler.connection.close()
            handler.close_connection = True
            return
        handler.send_response(reply.status)
        headers = {k.lower(): v for k, v in reply.headers.items()}
        length = reply.stream_size if reply.action == "stream" else len(reply.body)
        headers.setdefault("content-length", str(length))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        if seen.method == "HEAD":
            return
        if reply.action == "stream":
            self._stream(handler, seen, reply.stream_size)
        else:
            handler.wfile.write(reply.body)

    def _stream(self, handler: http.server.BaseHTTPRequestHandler, seen: Seen, size: int) -> None:
        chunk = b"x" * 65536
        sent = 0
        try:
            while sent < size and not self.stop.is_set():
                piece = chunk[: min(len(chunk), size - sent)]
                handler.wfile.write(piece)
                sent += len(piece)
        except OSError:
            handler.close_connection = True
        finally:
            self.streamed[seen.path] = sent


def json_reply(data: object, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    import json

    return Reply(
        status,
        {"content-type": "application/json", **(headers or {})},
        json.dumps(data).encode(),
    )


def redirect(location: str, status: int = 301) -> Reply:
    return Reply(status, {"location": location})


ATOM_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom"'
    ' xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">\n'
    "<title>arXiv Query</title><id>http://arxiv.org/api/x</id>\n"
)


def atom_feed(entries: Iterable[tuple[str, str]]) -> bytes:
    """An arXiv API answer: `(id with version, comment)` per entry."""
    parts = [ATOM_HEAD]
    items = list(entries)
    parts.append(f"<opensearch:totalResults>{len(items)}</opensearch:totalResults>\n")
    for paper_id, comment in items:
        parts.append(
            f"<entry><id>http://arxiv.org/abs/{paper_id}</id><title>Paper {paper_id}</title>"
            f"<summary>An abstract.</summary>"
            + (f"<arxiv:comment>{comment}</arxiv:comment>" if comment else "")
            + "</entry>\n"
        )
    parts.append("</feed>\n")
    return "".join(parts).encode()


class FakeArxiv:
    """The arXiv API and abstract pages, from a table of existing papers.

    `papers` maps a base id to `(latest version, comment)`. Ids in `api_forgets` exist but
    the API leaves them out of its answers, as the real one sometimes does.
    """

    def __init__(self, host: FakeHost, papers: dict[str, tuple[int, str]]) -> None:
        self.host = host
        self.papers = papers
        self.api_forgets: set[str] = set()
        host.route(r"/api/query\?.*", self.answer_query)
        host.route(r"/abs/.+", self.answer_abs)

    def exists(self, paper_id: str) -> bool:
        base = re.sub(r"v\d+$", "", paper_id)
        if base not in self.papers:
            return False
        version = paper_id[len(base) + 1 :]
        return not version or int(version) <= self.papers[base][0]

    def answer_query(self, seen: Seen) -> Reply:
        ids = seen.query.get("id_list", [""])[0].split(",")
        entries = []
        for paper_id in ids:
            base = re.sub(r"v\d+$", "", paper_id)
            if self.exists(paper_id) and base not in self.api_forgets:
                version, comment = self.papers[base]
                wanted = paper_id if paper_id != base else f"{base}v{version}"
                entries.append((wanted, comment))
        return Reply(200, {"content-type": "application/atom+xml"}, atom_feed(entries))

    def answer_abs(self, seen: Seen) -> Reply:
        if self.exists(seen.path.removeprefix("/abs/")):
            return Reply(200, {"content-type": "text/html"}, b"<html>abstract</html>")
        return Reply(404, body=b"Article identifier not recognized")
