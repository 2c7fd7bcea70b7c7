"""A small asyncio load generator for raw HTTP/1.1 requests, the same for every server.

The experiments section compares stemma with MLflow's tracking server; wrk cannot tell which of
its cycling requests were answered, and summaries can only be checked exactly if the client
knows every point the server acknowledged. So this client sends pre-built request bytes over
keep-alive connections, each connection taking the next request of the list, and records which
requests got a good answer and how long each took. Every run is bounded in count and in time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    seconds: float
    ok: int  # requests answered with a good status (and a body the check accepted)
    errors: int
    latencies_ms: list[float] = field(repr=False)
    answered: list[int] = field(repr=False)  # indexes (into the request list) answered well
    first_error: str = ""

    @property
    def requests_per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def summary(self) -> dict[str, float | int | str]:
        return {
            "requests_per_second": self.requests_per_second,
            "requests": self.ok,
            "errors": self.errors,
            "seconds": self.seconds,
            "p50_ms": self.percentile(0.50),
            "p99_ms": self.percentile(0.99),
            "first_error": self.first_error,
        }


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = None
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        return status, b"".join(parts)
    return status, await reader.readexactly(length or 0)


async def _drive(
    port: int,
    requests: list[bytes],
    connections: int,
    max_requests: int,
    seconds: float,
    check: Callable[[int, bytes], bool],
) -> LoadResult:
    next_index = 0
    latencies: list[float] = []
    answered: list[int] = []
    errors = 0
    first_error = ""
    started = time.perf_counter()
    deadline = started + seconds

    async def connection() -> None:
        nonlocal next_index, errors, first_error
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while next_index < max_requests and time.perf_counter() < deadline:
                index = next_index % len(requests)
                next_index += 1
                sent = time.perf_counter()
                writer.write(requests[index])
                status, body = await _read_response(reader)
                latencies.append((time.perf_counter() - sent) * 1000)
                if check(status, body):
                    answered.append(index)
                else:
                    errors += 1
                    if not first_error:
                        first_error = f"{status} {body[:300]!r}"
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    return LoadResult(elapsed, len(answered), errors, latencies, answered, first_error)


def run(
    port: int,
    requests: list[bytes],
    *,
    connections: int,
    max_requests: int,
    seconds: float,
    check: Callable[[int, bytes], bool] | None = None,
) -> LoadResult:
    """Send up to ``max_requests`` of ``requests`` (cycling) for at most ``seconds``."""
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover - uvloop is one of stemma's dependencies
        runner = asyncio.run
    good = check or (lambda status, _body: status == 200)
    return runner(_drive(port, requests, connections, max_requests, seconds, good))
