"""A server's life as a user sees it: the start-up lines, a browser at ``/``, the root key of a
data dir first started with ``--no-auth``, and a clean stop on Ctrl-C and SIGTERM."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import time
import urllib.parse
from pathlib import Path

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from tests.awsjson import CONTENT_TYPE, CREDENTIALS, lineage
from tests.conftest import SQLITE, launch


def _signed(url: str, operation: str, body: bytes) -> dict[str, str]:
    headers = {"Content-Type": CONTENT_TYPE, "X-Amz-Target": f"SageMaker.{operation}"}
    request = AWSRequest(method="POST", url=f"{url}/", data=body, headers=headers)
    SigV4Auth(CREDENTIALS, "sagemaker", "us-east-1").add_auth(request)
    return {**dict(request.headers.items()), "Content-Length": str(len(body))}


def _port(url: str) -> tuple[str, int]:
    parsed = urllib.parse.urlsplit(url)
    assert parsed.hostname is not None and parsed.port is not None
    return parsed.hostname, parsed.port


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("how", ["ctrl-c", "sigint", "sigterm"])
def test_stop_is_clean(how: str, workers: str, tmp_path: Path) -> None:
    server = launch(tmp_path / "d", "--workers", workers, preexec_fn=os.setsid)
    host, port = _port(server.url)
    body = json.dumps({"ContextName": "inflight", "Source": {"SourceUri": "u"}, "ContextType": "t"})
    assert lineage(server.url, "ListContexts", {}).status == 200
    # A request in flight when the signal comes: its head and most of its body have arrived.
    headers = _signed(server.url, "CreateContext", body.encode())
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    raw = f"POST / HTTP/1.1\r\nHost: {host}:{port}\r\n{head}\r\n".encode() + body.encode()
    with socket.create_connection((host, port), timeout=10) as conn:
        conn.sendall(raw[: len(raw) - 10])
        time.sleep(0.3)
        if how == "ctrl-c":  # the terminal signals the whole foreground process group
            os.killpg(server.process.pid, signal.SIGINT)
        else:
            server.process.send_signal(signal.SIGINT if how == "sigint" else signal.SIGTERM)
        time.sleep(0.3)
        conn.sendall(raw[len(raw) - 10 :])
        answer = conn.recv(65536).decode("latin-1")
    assert answer.startswith("HTTP/1.1 200"), answer
    assert server.process.wait(20) == 0
    log = server.log()
    assert "Traceback" not in log
    assert log.count("stopped") == 1, log
    assert log.rstrip().endswith("stopped")


def test_startup_names_the_explorer_and_a_browser_at_root_gets_there(tmp_path: Path) -> None:
    server = launch(tmp_path / "d")
    try:
        assert f"explorer: {server.url}/ui/" in server.log()
        host, port = _port(server.url)
        conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.request("GET", "/", headers={"Accept": "text/html"})
        answer = conn.getresponse()
        assert answer.status == 302
        assert answer.getheader("Location") == "/ui/"
        answer.read()
        conn.request("GET", answer.getheader("Location") or "")
        page = conn.getresponse()
        assert page.status == 200
        assert "text/html" in (page.getheader("Content-Type") or "")
        page.read()
        conn.close()
    finally:
        server.stop()


def test_root_key_of_a_no_auth_data_dir_is_findable(tmp_path: Path) -> None:
    data_dir = tmp_path / "d"
    keyless = {"STEMMA_ROOT_ACCESS_KEY_ID": "", "STEMMA_ROOT_SECRET_ACCESS_KEY": ""}
    first = launch(data_dir, "--no-auth", env=keyless, backend=SQLITE)
    first.stop()
    saved = data_dir / "root-credentials.json"
    assert f"is in {saved} (cat it to see it)" in first.log()
    key_id = json.loads(saved.read_text())["AccessKeyId"]
    second = launch(data_dir, env=keyless, backend=SQLITE)
    second.stop()
    assert f"root access key: {key_id} (its secret: cat {saved})" in second.log()
