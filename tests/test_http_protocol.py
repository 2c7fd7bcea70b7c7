"""The HTTP protocol's answer in one piece (``_HeadBuffer``): unit tests of the buffer on a real
event loop; the protocol itself fed requests in process, to see each write it makes; and a real
server answering pipelined requests and a HEAD in order and whole; and, over the wire, the
deadline the protocol gives each request to arrive (``--request-timeout``)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from stemma.http_protocol import SERVER_OPTIONS, DeadlineHttpToolsProtocol, _HeadBuffer
from tests.auth.support import request_head, send, sign
from tests.conftest import Server

T = TypeVar("T")


def run_alone(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(main())`` in a thread of its own: the browser tests' Playwright leaves an
    event loop running in the main thread, where ``asyncio.run`` refuses to start."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(main())).result()


class Recording(asyncio.Transport):
    """Records what is written and whether it was closed; stands in for the socket's transport
    (asyncio's, not stemma's) so that each write() call can be seen."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8754), "peername": ("127.0.0.1", 50000)}.get(name)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def on_loop(steps: list[str]) -> list[bytes]:
    """Run ``steps`` ("hold", "write:<bytes>", "close", "tick") on a real event loop, against a
    buffer over a recording transport; returns the writes the transport received."""

    async def run() -> list[bytes]:
        transport = Recording()
        buffer = _HeadBuffer(transport, asyncio.get_running_loop())
        for step in steps:
            if step == "hold":
                buffer.hold_next = True
            elif step == "close":
                buffer.close()
            elif step == "tick":
                await asyncio.sleep(0)
            else:
                buffer.write(step.removeprefix("write:").encode())
        await asyncio.sleep(0)
        return transport.writes

    return run_alone(run)


def test_a_head_and_its_body_leave_in_one_write() -> None:
    assert on_loop(["hold", "write:HEAD|", "write:BODY"]) == [b"HEAD|BODY"]


def test_a_head_without_a_body_leaves_at_the_end_of_the_iteration() -> None:
    assert on_loop(["hold", "write:HEAD", "tick", "write:NEXT"]) == [b"HEAD", b"NEXT"]


def test_only_the_write_after_hold_is_held() -> None:
    assert on_loop(["write:A", "hold", "write:B", "write:C", "write:D"]) == [b"A", b"BC", b"D"]


def test_close_sends_a_held_head_first() -> None:
    assert on_loop(["hold", "write:HEAD", "close"]) == [b"HEAD"]


def test_a_second_head_never_overtakes_the_first() -> None:
    assert on_loop(["hold", "write:1", "hold", "write:2", "write:3"]) == [b"1", b"23"]


async def hello(scope: Any, receive: Any, send: Any) -> None:
    """An ASGI app that reads the body and answers ``hello``."""
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    headers = [(b"content-length", b"5")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"hello"})


def connected_protocol() -> tuple[DeadlineHttpToolsProtocol, Recording]:
    """The protocol stemma serves with (its options, ``hello`` as the app), on the running
    event loop, connected to a recording transport."""
    options = {k: v for k, v in SERVER_OPTIONS.items() if k != "loop"}
    config = Config(app=hello, lifespan="off", **options)
    loop = asyncio.get_running_loop()
    protocol = DeadlineHttpToolsProtocol(config, ServerState(), {}, _loop=loop)
    transport = Recording()
    protocol.connection_made(transport)
    return protocol, transport


def protocol_writes(*chunks: bytes, eof: bool = False) -> list[bytes]:
    """Feed ``chunks`` to the protocol stemma serves with, over a recording transport, on a real
    event loop running ``hello``; returns every write() that reached the transport."""

    async def run() -> list[bytes]:
        protocol, transport = connected_protocol()
        for chunk in chunks:
            protocol.data_received(chunk)
            for _ in range(5):
                await asyncio.sleep(0)
        if eof:
            protocol.eof_received()
        for _ in range(5):
            await asyncio.sleep(0)
        protocol.connection_lost(None)
        return transport.writes

    return run_alone(run)


GET = b"GET /x HTTP/1.1\r\nHost: h\r\n\r\n"


def test_the_server_writes_each_answer_once() -> None:
    writes = protocol_writes(GET)
    assert len(writes) == 1, writes
    assert writes[0].startswith(b"HTTP/1.1 200") and writes[0].endswith(b"\r\n\r\nhello")


def test_pipelined_answers_are_each_written_once_in_order() -> None:
    writes = protocol_writes(GET + GET.replace(b"/x", b"/y"))
    assert len(writes) == 2, writes
    assert all(w.startswith(b"HTTP/1.1 200") and w.endswith(b"hello") for w in writes)


def test_a_head_answer_is_written_at_once_even_if_the_client_half_closes() -> None:
    writes = protocol_writes(GET.replace(b"GET", b"HEAD"), eof=True)
    assert len(writes) == 1 and writes[0].startswith(b"HTTP/1.1 200"), writes
    assert writes[0].endswith(b"\r\n\r\n")  # no body


def test_a_half_close_sends_a_held_head_before_the_transport_closes() -> None:
    async def run() -> list[bytes]:
        protocol, transport = connected_protocol()
        protocol._buffer.hold_next = True
        protocol.transport.write(b"HEAD")  # held until the end of this loop step...
        protocol.eof_received()  # ... but the client's end of stream comes first
        writes = list(transport.writes)
        protocol.connection_lost(None)
        return writes

    assert run_alone(run) == [b"HEAD"]


def test_100_continue_goes_first_and_the_answer_whole_after_it() -> None:
    head = b"POST /x HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"
    writes = protocol_writes(head, b"{}")
    assert writes[0] == b"HTTP/1.1 100 Continue\r\n\r\n", writes
    assert len(writes) == 2 and writes[1].startswith(b"HTTP/1.1 200"), writes
    assert writes[1].endswith(b"hello")


def connect(server: Server, timeout: float = 10) -> socket.socket:
    address = urlsplit(server.url)
    return socket.create_connection((address.hostname, address.port), timeout=timeout)


def read_answers(sock: socket.socket, count: int) -> list[tuple[bytes, bytes]]:
    """``count`` answers, each read whole: its head, then the body its Content-Length gives."""
    buffered, answers = b"", []
    while len(answers) < count:
        head, sep, rest = buffered.partition(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")[1:]
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        if sep and len(rest) >= length:
            answers.append((head, rest[:length]))
            buffered = rest[length:]
            continue
        chunk = sock.recv(65536)
        assert chunk, f"closed early after {buffered!r}"
        buffered += chunk
    return answers


def request_bytes(server: Server, body: bytes) -> bytes:
    raw = sign(server.url, body=body)
    return request_head(raw) + raw.body


def test_pipelined_requests_are_answered_in_order_and_whole(server: Server) -> None:
    first = request_bytes(server, b'{"MaxResults": 1}')
    second = request_bytes(server, b'{"MaxResults": "not a number"}')
    with connect(server) as sock:
        sock.sendall(first + second)  # both at once: the second waits behind the first
        (head1, body1), (head2, body2) = read_answers(sock, 2)
    assert head1.startswith(b"HTTP/1.1 200"), head1
    assert b'"ContextSummaries"' in body1
    assert head2.startswith(b"HTTP/1.1 400"), head2
    assert b'"__type"' in body2


def test_a_head_request_gets_its_head_without_waiting_for_a_body(server: Server) -> None:
    host = urlsplit(server.url).netloc
    with connect(server) as sock:
        sock.sendall(f"HEAD /ui HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        received = b""
        # Well before uvicorn's keep-alive timeout (5 s), whose close would flush a held head.
        sock.settimeout(2)
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            assert chunk, received
            received += chunk
        sock.settimeout(0.5)
        with contextlib.suppress(TimeoutError):
            received += sock.recv(65536)
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), received
    assert body == b""  # a HEAD answer carries no body


# -- the request deadline (--request-timeout) --------------------------------------------------


def read_answer(
    sock: socket.socket, limit: float, until_closed: bool = False
) -> tuple[bytes, float]:
    """What the server sends until it closes or ``limit`` seconds pass; without
    ``until_closed``, also until a pause after a complete head."""
    started = time.monotonic()
    received = b""
    sock.settimeout(0.2)
    while time.monotonic() - started < limit:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            if b"\r\n\r\n" in received and not until_closed:
                break
            continue
        except ConnectionResetError:
            break
        if not chunk:
            break
        received += chunk
    return received, time.monotonic() - started


def assert_timed_out(received: bytes, elapsed: float, timeout: float) -> None:
    assert elapsed < timeout + 1.5, f"still waiting after {elapsed:.1f}s"
    if received:
        status_line, _, rest = received.partition(b"\r\n")
        assert status_line.split()[1] == b"408", received
        assert b'"__type":"RequestTimeoutException"' in rest


@pytest.fixture
def impatient(start_server: Callable[..., Server]) -> Server:
    return start_server("--request-timeout", "1")


def test_a_stalled_body_gets_408_within_the_timeout(impatient: Server) -> None:
    raw = sign(impatient.url, body=b'{"MaxResults": 10}')
    head = request_head(raw)
    with connect(impatient, timeout=5) as sock:
        sock.sendall(head + raw.body[:3])
        received, elapsed = read_answer(sock, 6)
    assert_timed_out(received, elapsed, 1)
    assert received.startswith(b"HTTP/1.1 408"), received  # the documented answer
    assert send(impatient.url, sign(impatient.url)).status == 200


def test_a_trickled_body_is_cut_off_at_the_timeout(impatient: Server) -> None:
    body = b"{" + b" " * 60 + b"}"
    raw = sign(impatient.url, body=body)
    head = request_head(raw)
    with connect(impatient, timeout=5) as sock:
        sock.sendall(head)
        started = time.monotonic()
        answer = b""
        sock.settimeout(0.2)
        for byte in body:  # one byte every 0.2 s: the whole body would take 12 s
            try:
                sock.sendall(bytes([byte]))
                answer = sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break  # closed by the server
            break  # an answer, or end of stream
        elapsed = time.monotonic() - started
        if answer:
            rest, _ = read_answer(sock, 1)
            answer += rest
    assert_timed_out(answer, elapsed, 1)


def test_an_early_answer_is_not_followed_by_a_408(start_server: Callable[..., Server]) -> None:
    server = start_server("--request-timeout", "1", "--max-body", "1024")
    raw = sign(server.url, body=b"{}")
    head = request_head(raw, content_length=5000)
    with connect(server, timeout=5) as sock:
        # Over the limit: answered 413 at once; the rest of the body never comes.
        sock.sendall(head + b" " * 2000)
        received, _ = read_answer(sock, 4, until_closed=True)
    assert received.startswith(b"HTTP/1.1 413"), received
    assert received.count(b"HTTP/1.1 ") == 1, received  # no 408 after the answer


def test_a_client_stalling_inside_its_headers_is_cut_off(impatient: Server) -> None:
    with connect(impatient, timeout=5) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: SageMaker.Li")
        received, elapsed = read_answer(sock, 3)
    assert elapsed < 1 + 1.5, f"connection still held after {elapsed:.1f}s"
    assert b"200 OK" not in received
