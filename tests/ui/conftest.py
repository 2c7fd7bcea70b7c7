"""Browser fixtures: Debian's Chromium driven by Playwright against a live ``stemma serve``.

Nothing here skips. Chromium is installed with apt-get when it is missing (the tests run as root
on the project's machines; elsewhere the failure says what to install), and the explorer's
assets are built with ``scripts/build-ui`` when the package has none. Playwright's own browser
download is never used: it cannot reach its servers here, and Debian's build is the one tested.

Every test gets a fresh browser context (its own session storage) and fails if the page logs a
console error, throws, or requests anything from outside the server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from examples.churn_pipeline import record
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

from tests.conftest import ACCESS_KEY_ID, SECRET_ACCESS_KEY, Server
from tests.ui.experiment_data import metrics_client, seed_runs
from tests.ui.lineage_data import seed_wide

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "src" / "stemma" / "ui" / "static"
# As the machine notes say: no sandbox as root, and no background networking, which this
# machine's closed network would refuse at every start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1400, "height": 900}


def _install_chromium() -> None:
    if os.geteuid() != 0:
        pytest.fail(
            "Chromium is not installed and these tests are not running as root: "
            "install it with `sudo apt-get install -y chromium`."
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"],
    ):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            pytest.fail(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium, installed on first use when missing."""
    path = shutil.which("chromium")
    if path is None:
        _install_chromium()
        path = shutil.which("chromium")
    if path is None:
        pytest.fail("apt-get installed chromium, but no `chromium` is on PATH")
    return path


@pytest.fixture(scope="session")
def ui_assets() -> Path:
    """The built explorer in the package; built with scripts/build-ui when missing."""
    if not (STATIC / "assets" / "main.js").is_file():
        done = subprocess.run(
            [str(ROOT / "scripts" / "build-ui")], capture_output=True, text=True, timeout=600
        )
        if done.returncode != 0:
            pytest.fail(f"scripts/build-ui failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return STATIC


@pytest.fixture(scope="session")
def browser(chromium_path: str, ui_assets: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@dataclass
class Seeded:
    """Entities recorded in a region of their own on the shared server."""

    region: str
    arns: dict[str, str]


@pytest.fixture(scope="session")
def churn(server: Server) -> Seeded:
    """The README's worked example (examples/churn_pipeline.py), once per backend."""
    region = f"ui-{uuid.uuid4().hex[:8]}"
    arns: dict[str, str] = {}
    record(server.client(region), arns)
    return Seeded(region, arns)


@pytest.fixture(scope="session")
def wide(server: Server) -> Seeded:
    """A 201-vertex lineage graph, once per backend."""
    region = f"ui-{uuid.uuid4().hex[:8]}"
    return Seeded(region, seed_wide(server.client(region)))


@pytest.fixture(scope="session")
def runs(server: Server) -> Seeded:
    """Experiments with runs and metrics (tests/ui/experiment_data.py), once per backend."""
    region = f"ui-{uuid.uuid4().hex[:8]}"
    return Seeded(region, seed_runs(server.client(region), metrics_client(server.url, region)))


@dataclass
class UI:
    """A browser tab on the explorer, with what it logged and requested."""

    page: Page
    server: Server
    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    # Console errors a test expects (the 400 answer to a wrong secret, say).
    allowed: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.server.url}{path}"

    def goto(self, path: str) -> None:
        self.page.goto(self.url(path))

    def sign_in(
        self, region: str, secret: str = SECRET_ACCESS_KEY, key: str = ACCESS_KEY_ID
    ) -> None:
        page = self.page
        page.get_by_label("Access key ID").fill(key)
        page.get_by_label("Secret access key").fill(secret)
        page.get_by_label("Region").fill(region)
        page.get_by_role("button", name="Sign in").click()

    def unexpected_errors(self) -> list[str]:
        return [e for e in self.errors if not any(a in e for a in self.allowed)]


@pytest.fixture
def ui(browser: Browser, server: Server) -> Iterator[UI]:
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    tab = UI(page, server)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            tab.errors.append(f"{message.text} ({message.location.get('url', '')})")

    def on_request(request: Request) -> None:
        if not request.url.startswith((server.url + "/", "blob:", "data:")):
            tab.foreign.append(request.url)

    page.on("console", on_console)
    page.on("pageerror", lambda error: tab.errors.append(f"uncaught: {error}"))
    page.on("request", on_request)
    yield tab
    context.close()
    assert tab.unexpected_errors() == [], "the page logged errors"
    assert tab.foreign == [], "the page requested something from outside the server"
