"""Bounds the HTTP protocol keeps before a request reaches the app (issue #20, item 1): a head
(request line and headers) is refused as its bytes and its header lines arrive, not once it is
whole, so a client sending header lines without end costs the server a few KiB, not its memory.
Every answer the protocol gives itself is an AWS-shaped JSON error, as the app's are.

Floods go to 127.0.0.1 only, are bounded in bytes and time, and stop by themselves.
"""

from __future__ import annotations

import resource
import socket
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest

from stemma.http_protocol import MAX_HEAD_BYTES, MAX_HEADERS
from tests.auth.support import send, sign
from tests.awsjson import CONTENT_TYPE, Response, assert_error
from tests.conftest import Server

MIB = 1024 * 1024
LINE = b"a: b\r\n"  # the cheapest header line to send, and among the dearest to hold


def connect(server: Server, timeout: float = 5) -> socket.socket:
    address = urlsplit(server.url)
    return socket.create_connection((address.hostname, address.port), timeout=timeout)


def rss_mib(pid: int) -> float:
    """The resident memory of process ``pid`` (Linux ``/proc``), in MiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def parse_answer(raw: bytes) -> Response:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    fields = (line.split(": ", 1) for line in lines[1:])
    return Response(int(lines[0].split()[1]), {k.lower(): v for k, v in fields}, body)


def read_until_closed(sock: socket.socket, limit: float = 5) -> tuple[bytes, bool]:
    """Everything the server sends before it closes (or ``limit`` seconds pass), and whether it
    closed."""
    received, deadline = b"", time.monotonic() + limit
    sock.settimeout(0.2)
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except ConnectionResetError:
            return received, True
        if not chunk:
            return received, True
        received += chunk
    return received, False


def test_endless_header_lines_are_answered_431_and_closed(server: Server) -> None:
    with connect(server) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        line = b"x-pad: " + b"p" * 1017 + b"\r\n"  # 1 KiB: far fewer lines than MAX_HEADERS
        sock.sendall(line * (MAX_HEAD_BYTES // len(line) + 4))  # over the bound, never ended
        received, closed = read_until_closed(sock)
    assert closed, received
    message = assert_error(parse_answer(received), "RequestHeaderFieldsTooLarge", 431)
    assert str(MAX_HEAD_BYTES) in message


def test_one_endless_header_value_is_answered_431_and_closed(server: Server) -> None:
    with connect(server) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: ")
        sock.sendall(b"v" * (MAX_HEAD_BYTES + 4096))  # one line, no end
        received, closed = read_until_closed(sock)
    assert closed, received
    assert_error(parse_answer(received), "RequestHeaderFieldsTooLarge", 431)


def test_too_many_header_lines_are_answered_431_and_closed(server: Server) -> None:
    """Small enough in bytes, but more lines than any client sends: refused as they are
    counted, before the app sees them."""
    lines = b"".join(b"x-h%d: v\r\n" % i for i in range(MAX_HEADERS + 1))
    with connect(server) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + lines + b"\r\n")
        received, closed = read_until_closed(sock)
    assert closed, received
    message = assert_error(parse_answer(received), "RequestHeaderFieldsTooLarge", 431)
    assert str(MAX_HEADERS) in message


def test_a_request_with_many_headers_under_the_bounds_is_served(server: Server) -> None:
    headers = {f"X-Extra-{i}": "v" for i in range(MAX_HEADERS - 12)}
    assert send(server.url, sign(server.url, headers=headers)).status == 200


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"NOT A REQUEST LINE\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: h\r\nBad\x01Name: v\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}",
    ],
    ids=["request-line", "header-name", "chunk-size", "two-lengths"],
)
def test_malformed_requests_get_an_aws_shaped_400(server: Server, request_bytes: bytes) -> None:
    with connect(server) as sock:
        sock.sendall(request_bytes)
        received, closed = read_until_closed(sock)
    assert closed, received
    response = parse_answer(received)
    assert response.headers["content-type"] == CONTENT_TYPE
    assert_error(response, "MalformedHttpRequestException", 400)


# -- memory under a header flood ---------------------------------------------------------------

FLOOD_CONNECTIONS = 6
FLOOD_BYTES = 32 * MIB  # per connection at most; the server is expected to cut each off early
GROWTH_LIMIT_MIB = 50  # issue #20's "Done when"
STOP_AT_MIB = GROWTH_LIMIT_MIB + 30  # a server that buffers is not pushed further than this


def flood(server: Server, sent: list[int], stop: threading.Event) -> None:
    """One connection sending header lines without end until the server cuts it off, its
    budget is spent, or ``stop`` is set."""
    chunk = LINE * (65536 // len(LINE))
    total = 0
    try:
        with connect(server) as sock:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            while total < FLOOD_BYTES and not stop.is_set():
                sock.sendall(chunk)
                total += len(chunk)
    except OSError:
        pass  # cut off by the server: what the bound is for
    sent.append(total)


def test_memory_under_a_header_flood_stays_within_50_mib_of_idle(server: Server) -> None:
    pid = server.process.pid
    assert send(server.url, sign(server.url)).status == 200  # warm: every lazy import done
    idle = rss_mib(pid)
    stop, sent = threading.Event(), []  # type: ignore[var-annotated]
    floods = [
        threading.Thread(target=flood, args=(server, sent, stop)) for _ in range(FLOOD_CONNECTIONS)
    ]
    for thread in floods:
        thread.start()
    peak, deadline = idle, time.monotonic() + 20
    while any(t.is_alive() for t in floods) and time.monotonic() < deadline:
        peak = max(peak, rss_mib(pid))
        if peak - idle > STOP_AT_MIB:
            stop.set()
        time.sleep(0.02)
    stop.set()
    for thread in floods:
        thread.join(10)
    peak = max(peak, rss_mib(pid))
    assert peak - idle < GROWTH_LIMIT_MIB, (
        f"RSS {idle:.0f} MiB idle, {peak:.0f} MiB under the flood ({sum(sent) / MIB:.0f} MiB sent)"
    )
    assert max(sent) < 8 * MIB, sent  # each connection was cut off, not served to its budget
    assert send(server.url, sign(server.url)).status == 200


# -- idle connections (issue #20, item 3) ------------------------------------------------------

FD_LIMIT = 256  # the server's open-file limit in the flood test
IDLE_FLOOD = 320  # silent connections, more than the server has file descriptors


def low_fd_limit() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (FD_LIMIT, FD_LIMIT))


def test_a_silent_connection_is_closed_after_the_idle_timeout(
    start_server: Callable[..., Server],
) -> None:
    server = start_server("--idle-timeout", "1")
    with connect(server) as sock:
        received, closed = read_until_closed(sock, limit=4)
    assert closed and received == b"", received


def test_idle_connections_past_the_fd_limit_do_not_block_requests(
    start_server: Callable[..., Server],
) -> None:
    server = start_server(preexec_fn=low_fd_limit)
    idle: list[socket.socket] = []
    try:
        for _ in range(IDLE_FLOOD):
            idle.append(connect(server))
        time.sleep(0.5)  # let the server accept them all
        started = time.monotonic()
        try:
            status = send(server.url, sign(server.url), timeout=5).status
        except OSError as exc:
            pytest.fail(f"no answer while flooded: {exc!r}")
        elapsed = time.monotonic() - started
        assert status == 200
        assert elapsed < 1.0, f"answered after {elapsed:.1f}s"
    finally:
        for sock in idle:
            sock.close()
    log = server.log()
    assert log.count("at the connection limit") == 1, log  # once per burst, not per connection
