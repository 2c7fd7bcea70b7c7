"""The HTTP protocol's answer in one piece (``_HeadBuffer``): unit tests of the buffer on a real
event loop, and a real server answering pipelined requests and a HEAD in order and whole. The
request deadline is tested over the wire in tests/auth/test_hygiene.py."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from urllib.parse import urlsplit

from stemma.http_protocol import _HeadBuffer
from tests.auth.support import sign
from tests.conftest import Server


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

    return asyncio.run(run())


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


def connect(server: Server) -> socket.socket:
    address = urlsplit(server.url)
    return socket.create_connection((address.hostname, address.port), timeout=10)


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
    head = ["POST / HTTP/1.1"] + [f"{k}: {v}" for k, v in raw.headers]
    head.append(f"Content-Length: {len(raw.body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + raw.body


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
