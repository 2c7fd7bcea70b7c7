"""Relaying what stemma does not serve to another SageMaker-compatible endpoint (``--upstream``).

Pipeline code calls CreateTrainingJob and friends through the same client it records lineage
with. With an upstream (a moto server in tests, say), such a request, once its signature has
been verified, is sent on unchanged, headers, signature and body as received, and the
upstream's answer is relayed unchanged too: status, body, content type, error type and request
id. The upstream must therefore accept the client's signature as it is, as moto does; AWS
itself would not, since the signature names stemma's host. An upstream that does not answer is
a 503 naming it, never a hang beyond the request timeout.
"""

from __future__ import annotations

import http.client
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from stemma.auth.sigv4 import SignedRequest
from stemma.protocol.errors import ServiceUnavailable

# Headers of this hop only (RFC 9110 §7.6.1), never passed on.
_HOP_BY_HOP = frozenset(
    ("connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "content-length")
)
RELAYED_HEADERS = ("content-type", "x-amzn-requestid", "x-amzn-errortype", "x-amz-request-id")


@dataclass
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class Upstream:
    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        self.url = url.rstrip("/")
        self.secure = parts.scheme == "https"
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if self.secure else 80)
        self.timeout = timeout

    def probe(self) -> None:
        """Raise OSError, naming the cause, unless the upstream accepts a connection."""
        with socket.create_connection((self.host, self.port), timeout=min(self.timeout, 5.0)):
            pass

    def relay(self, request: SignedRequest) -> Answer:
        """Send ``request`` on and return the upstream's answer, in a worker thread."""
        connection_type = http.client.HTTPSConnection if self.secure else http.client.HTTPConnection
        connection = connection_type(self.host, self.port, timeout=self.timeout)
        path = request.path + (f"?{request.query}" if request.query else "")
        headers = {k: v for k, v in request.headers if k not in _HOP_BY_HOP}
        try:
            connection.request(request.method, path, body=request.body, headers=headers)
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise ServiceUnavailable(
                f"The upstream endpoint {self.url} did not answer: {exc or type(exc).__name__}."
            ) from exc
        finally:
            connection.close()
        kept = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in response.getheaders()
            if name.lower() in RELAYED_HEADERS
        ]
        kept.append((b"content-length", str(len(body)).encode()))
        return Answer(response.status, kept, body)
