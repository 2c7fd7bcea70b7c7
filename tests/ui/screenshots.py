"""Take the explorer's screenshots for the docs, from a fresh server seeded with the worked
example (us-east-1), the 201-vertex graph (eu-west-1) and experiments with runs (us-west-2):

    scripts/build-ui && .venv/bin/python -m tests.ui.screenshots [FOLDER]

FOLDER defaults to docs/screenshots. Needs Debian's chromium (apt-get install -y chromium).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from examples.churn_pipeline import record
from playwright.sync_api import Page, expect, sync_playwright

from tests.conftest import ACCESS_KEY_ID, SECRET_ACCESS_KEY, launch
from tests.ui.conftest import CHROMIUM_ARGS, ROOT, VIEWPORT
from tests.ui.experiment_data import EXPERIMENT, metrics_client, seed_runs
from tests.ui.lineage_data import seed_wide


def sign_in(page: Page, url: str, region: str) -> None:
    page.goto(f"{url}/ui/signin")
    page.get_by_label("Access key ID").fill(ACCESS_KEY_ID)
    page.get_by_label("Secret access key").fill(SECRET_ACCESS_KEY)
    page.get_by_label("Region").fill(region)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def graph_ready(page: Page, vertices: int) -> None:
    status = page.get_by_role("status").filter(has_text="vertices")
    expect(status).to_contain_text(f"{vertices} vertices")
    page.wait_for_function(
        """() => [...document.querySelectorAll('.vertex-list .vertex-name')]
                 .every(el => !/^[0-9a-f]{20}/.test(el.textContent))"""
    )
    page.wait_for_timeout(300)


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("chromium is not installed: apt-get install -y chromium")
    with tempfile.TemporaryDirectory() as tmp:
        server = launch(Path(tmp) / "data")
        try:
            churn: dict[str, str] = {}
            record(server.client("us-east-1"), churn)
            wide = seed_wide(server.client("eu-west-1"))
            seed_runs(server.client("us-west-2"), metrics_client(server.url, "us-west-2"))
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport=VIEWPORT)
                page.goto(f"{server.url}/ui")
                page.get_by_label("Access key ID").fill(ACCESS_KEY_ID)
                page.screenshot(path=str(out / "signin.png"))

                sign_in(page, server.url, "us-east-1")
                page.goto(f"{server.url}/ui/artifacts?order=Ascending")
                page.locator("table.list").wait_for()
                page.screenshot(path=str(out / "list.png"))

                page.goto(f"{server.url}/ui/entity/{churn['train']}")
                expect(page.get_by_role("heading", name="Associations out (1)")).to_be_visible()
                page.screenshot(path=str(out / "detail.png"), full_page=True)

                page.goto(f"{server.url}/ui/lineage/{churn['model']}?depth=4")
                graph_ready(page, 6)
                page.get_by_role("list", name="Vertices").get_by_role(
                    "button", name="churn-train-2026-11-01"
                ).click()
                page.wait_for_timeout(400)
                page.screenshot(path=str(out / "graph.png"))

                page.get_by_role("button", name="Sign out").click()
                sign_in(page, server.url, "eu-west-1")
                page.goto(f"{server.url}/ui/lineage/{wide['raw']}?direction=Descendants&depth=5")
                graph_ready(page, 201)
                page.screenshot(path=str(out / "graph-201.png"))
                page.get_by_role("button", name="Fit").click()
                page.wait_for_timeout(300)
                page.screenshot(path=str(out / "graph-201-fit.png"))

                page.get_by_role("button", name="Sign out").click()
                sign_in(page, server.url, "us-west-2")
                page.goto(
                    f"{server.url}/ui/experiments/{EXPERIMENT}?sort=Metrics.loss.Min&order=Ascending&stats=Last,Min&hide=end"
                )
                page.locator("table.runs-table").wait_for()
                page.get_by_label(f"Select {EXPERIMENT}-lr-1 for comparison").check()
                page.get_by_label(f"Select {EXPERIMENT}-lr-2 for comparison").check()
                page.screenshot(path=str(out / "runs.png"), full_page=True)
                page.goto(f"{server.url}/ui/runs/{EXPERIMENT}-lr-1")
                expect(page.locator("figure.chart canvas")).to_have_count(2)
                page.wait_for_timeout(300)
                page.screenshot(path=str(out / "run.png"), full_page=True)
                runs = ",".join(f"{EXPERIMENT}-lr-{i}" for i in range(3))
                page.goto(f"{server.url}/ui/compare?runs={runs}")
                expect(page.locator("figure.chart canvas")).to_have_count(2)
                page.wait_for_timeout(300)
                page.screenshot(path=str(out / "compare.png"), full_page=True)
                browser.close()
        finally:
            server.stop()
    for shot in sorted(out.glob("*.png")):
        print(shot)


if __name__ == "__main__":
    main()
