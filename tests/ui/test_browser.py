"""The lineage explorer in a real browser: headless Chromium, driven by Playwright, against a
live ``stemma serve`` seeded with the worked example, on each store backend."""

from __future__ import annotations

import json
import re
import struct
import time
from pathlib import Path

from playwright.sync_api import Download, Page, expect

from tests.conftest import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from tests.ui.conftest import UI, Seeded
from tests.ui.lineage_data import long_name

NODE_WIDTH, NODE_HEIGHT = 190, 54
HEX_NAME = re.compile(r"^[0-9a-f]{20,}")


def signed_in(ui: UI, region: str, path: str = "/ui/contexts") -> Page:
    ui.goto(path)
    ui.sign_in(region)
    expect(ui.page.get_by_role("button", name="Sign out")).to_be_visible()
    return ui.page


def rows(page: Page) -> list[str]:
    """The names in the list's first column."""
    page.locator("table.list").first.wait_for()
    return page.locator("table.list tbody th a").all_inner_texts()


def apply_filters(page: Page, fields: dict[str, str]) -> None:
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Apply").click()


def names_resolved(page: Page) -> None:
    """Wait until no vertex in the list is labelled with an artifact's bare hex id."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('.vertex-list .vertex-name')]
                 .every(el => !/^[0-9a-f]{20}/.test(el.textContent))"""
    )


def saved(download: Download, tmp_path: Path) -> bytes:
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    return target.read_bytes()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_wrong_secret_shows_a_clear_error(ui: UI, churn: Seeded) -> None:
    # The refused sign-in is a 400 answer, which Chromium logs as a failed resource load.
    ui.allowed.append("status of 400")
    ui.goto("/ui")
    page = ui.page
    expect(page).to_have_url(re.compile(r"/ui/signin"))
    ui.sign_in(churn.region, secret="not-the-secret")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Sign-in failed")
    expect(alert).to_contain_text("secret access key is wrong")
    expect(page.get_by_label("Secret access key")).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(re.compile(r"/ui/signin"))
    assert page.evaluate("sessionStorage.length") == 0

    ui.sign_in(churn.region, key="AKIDNOBODYKNOWS")
    expect(alert).to_contain_text("access key ID is not known")
    assert page.evaluate("sessionStorage.length") == 0


def test_sign_in_browse_graph_export_sign_out(ui: UI, churn: Seeded, tmp_path: Path) -> None:
    page = ui.page
    # A deep link asks for credentials first, then lands where it pointed.
    ui.goto("/ui/artifacts")
    expect(page).to_have_url(re.compile(r"/ui/signin\?next=%2Fui%2Fartifacts"))
    ui.sign_in(churn.region)
    expect(page).to_have_url(ui.url("/ui/artifacts"))
    assert sorted(rows(page)) == ["churn-features", "churn-model", "churn-raw"]
    stored = page.evaluate("JSON.parse(sessionStorage.getItem('stemma.credentials'))")
    assert stored["region"] == churn.region

    # The lists: contexts, with every column, then filters on artifacts.
    page.get_by_role("link", name="Contexts", exact=True).click()
    expect(page).to_have_url(ui.url("/ui/contexts"))
    assert rows(page) == ["churn-endpoint"]
    expect(page.locator("table.list tbody")).to_contain_text("Endpoint")
    page.get_by_role("link", name="Artifacts", exact=True).click()
    apply_filters(page, {"Artifact type": "Model"})
    expect(page).to_have_url(re.compile(r"type=Model"))
    assert rows(page) == ["churn-model"]
    page.get_by_role("link", name="Reset").click()
    apply_filters(page, {"Source URI (exact)": "s3://acme-data/churn/features/2026-11-01/"})
    assert rows(page) == ["churn-features"]
    page.get_by_role("link", name="Reset").click()
    apply_filters(page, {"Name contains": "RAW"})
    expect(page.locator("#list-count")).to_contain_text("matching “RAW”")
    assert rows(page) == ["churn-raw"]
    page.get_by_role("link", name="Reset").click()
    apply_filters(page, {"Created after": "2999-01-01T00:00"})
    expect(page.locator("#list-count")).to_have_text("No artifacts match these filters.")
    page.get_by_role("link", name="Reset").click()
    page.get_by_label("Order").select_option("Ascending")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"order=Ascending"))
    assert rows(page) == ["churn-raw", "churn-features", "churn-model"]

    # The detail view: every field, properties, tags, associations in and out.
    page.get_by_role("link", name="churn-model", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("churn-model")
    fields = page.locator("dl.fields").first
    expect(fields).to_contain_text(churn.arns["model"])
    expect(fields).to_contain_text("s3://acme-models/churn/xgb/model.tar.gz")
    expect(fields).to_contain_text("sagemaker-default-lineage-group")
    incoming = page.locator("section", has=page.get_by_role("heading", name="Associations in"))
    expect(incoming).to_contain_text("churn-train-2026-11-01")
    expect(incoming).to_contain_text("Produced")
    outgoing = page.locator("section", has=page.get_by_role("heading", name="Associations out"))
    expect(outgoing).to_contain_text("churn-endpoint")
    outgoing.get_by_role("link", name="churn-endpoint", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("churn-endpoint")
    props = page.locator("section", has=page.get_by_role("heading", name="Properties"))
    expect(props.locator("tbody tr")).to_have_text(["stageprod"])
    tags = page.locator("section", has=page.get_by_role("heading", name="Tags"))
    expect(tags.locator("tbody tr")).to_have_text(["teamretention"])

    # Deep links: the detail view's URL reloads to the same view.
    detail_url = page.url
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("churn-endpoint")
    assert page.url == detail_url

    # The graph, from the model: both ways, depth 3 reaches all but the raw data.
    page.goto(ui.url(f"/ui/entity/{churn.arns['model']}"))
    page.get_by_role("link", name="Open lineage graph").click()
    status = page.get_by_role("status").filter(has_text="vertices")
    # The raw data is one step past depth 3: its neighbour says there is more.
    expect(status).to_have_text(re.compile(r"^5 vertices, 4 edges\. 1 vertex has more lineage"))
    vertices = page.get_by_role("list", name="Vertices")
    expect(vertices.get_by_role("button")).to_have_count(5)
    expect(vertices).to_contain_text("churn-preprocess-2026-11-01")
    expect(vertices).to_contain_text("ProcessingJob")
    expect(page.locator(".graph-canvas canvas").first).to_be_visible()

    # Expand the processing job: its input, the raw data, joins the graph.
    vertices.get_by_role("button", name=re.compile("churn-preprocess")).click()
    panel = page.locator(".selection")
    expect(panel.get_by_role("heading")).to_have_text("churn-preprocess-2026-11-01")
    panel.get_by_role("button", name="Expand").click()
    expect(status).to_contain_text("6 vertices, 5 edges. Expanded churn-preprocess-2026-11-01")
    expect(vertices).to_contain_text("churn-raw")
    expect(panel.get_by_role("button", name="Expanded")).to_be_disabled()
    names_resolved(page)

    # Export: a PNG of the whole graph, and JSON with names, types, edges and positions.
    with page.expect_download() as png_download:
        page.get_by_role("button", name="Export PNG").click()
    png = saved(png_download.value, tmp_path)
    assert png_download.value.suggested_filename == "lineage-churn-model.png"
    width, height = png_size(png)
    assert width > 200 and height > 200
    with page.expect_download() as json_download:
        page.get_by_role("button", name="Export JSON").click()
    exported = json.loads(saved(json_download.value, tmp_path))
    assert exported["StartArn"] == churn.arns["model"]
    assert {v["Name"] for v in exported["Vertices"]} == {
        "churn-raw",
        "churn-preprocess-2026-11-01",
        "churn-features",
        "churn-train-2026-11-01",
        "churn-model",
        "churn-endpoint",
    }
    assert {(e["SourceArn"], e["DestinationArn"]) for e in exported["Edges"]} == {
        (churn.arns[a], churn.arns[b])
        for a, b in [
            ("raw", "prep"),
            ("prep", "features"),
            ("features", "train"),
            ("train", "model"),
            ("model", "endpoint"),
        ]
    }

    # Direction and depth are controls, and the URL follows them.
    page.get_by_label("Direction").select_option("Ascendants")
    page.get_by_label("Depth").fill("1")
    page.get_by_label("Depth").press("Enter")
    expect(page).to_have_url(re.compile(r"direction=Ascendants&depth=1"))
    expect(status).to_contain_text("2 vertices, 1 edge.")
    page.reload()
    expect(page.get_by_label("Direction")).to_have_value("Ascendants")
    expect(status).to_contain_text("2 vertices, 1 edge.")

    # Sign out: the credentials are gone, and the lists ask for them again.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/ui/signin"))
    assert page.evaluate("sessionStorage.getItem('stemma.credentials')") is None
    ui.goto("/ui/contexts")
    expect(page).to_have_url(re.compile(r"/ui/signin\?next="))
    expect(page.get_by_label("Access key ID")).to_be_focused()


def test_first_view_is_quick(ui: UI, churn: Seeded) -> None:
    page = signed_in(ui, churn.region)
    rows(page)
    started = time.monotonic()
    page.goto(ui.url("/ui/contexts"))
    assert rows(page) == ["churn-endpoint"]
    elapsed = time.monotonic() - started
    rendered = page.evaluate("performance.getEntriesByName('stemma:list-rendered')[0].startTime")
    assert rendered < 1000, f"the list took {rendered:.0f} ms after navigation started"
    assert elapsed < 2.0


def test_keyboard_only(ui: UI, churn: Seeded) -> None:
    page = ui.page
    ui.goto("/ui")
    expect(page.get_by_label("Access key ID")).to_be_focused()
    page.keyboard.type(ACCESS_KEY_ID)
    page.keyboard.press("Tab")
    page.keyboard.type(SECRET_ACCESS_KEY)
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type(churn.region)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # Every control has a label, every button a name.
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, button, a')].filter(el =>
             !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
             && !el.textContent.trim()).map(el => el.outerHTML)"""
    )
    assert unlabelled == []

    # On a fresh load the first Tab reaches the skip link, which jumps over the header; then
    # the filters and the rows, by keyboard alone.
    page.reload()
    rows(page)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    focus_by_tab(page, "input[name=q]")
    page.keyboard.type("endpoint")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"q=endpoint"))
    focus_by_tab(page, "table.list a >> text=churn-endpoint")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("churn-endpoint")
    focus_by_tab(page, "a >> text=Open lineage graph")
    page.keyboard.press("Enter")
    status = page.get_by_role("status").filter(has_text="vertices")
    expect(status).to_contain_text("4 vertices, 3 edges.")
    # The canvas takes keys (pan, zoom, fit); the vertex list gives every node a button.
    focus_by_tab(page, ".graph-canvas")
    for key in ("+", "ArrowLeft", "-", "0"):
        page.keyboard.press(key)
    focus_by_tab(page, ".vertex-list button:has-text('churn-features')")
    page.keyboard.press("Enter")
    focus_by_tab(page, ".selection button >> text=Expand")
    page.keyboard.press("Enter")
    expect(status).to_contain_text("5 vertices, 4 edges. Expanded churn-features")


def focus_by_tab(page: Page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    target = page.locator(selector).first
    target.wait_for()
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_graph_of_201_vertices_is_layered_and_labelled(
    ui: UI, wide: Seeded, tmp_path: Path
) -> None:
    page = signed_in(ui, wide.region)
    started = time.monotonic()
    page.goto(ui.url(f"/ui/lineage/{wide.arns['raw']}?direction=Descendants&depth=5"))
    status = page.get_by_role("status").filter(has_text="vertices")
    expect(status).to_have_text("201 vertices, 200 edges.")
    vertices = page.get_by_role("list", name="Vertices")
    # Every vertex gets its name (Describe* per ARN, cached, a few at a time).
    expect(vertices).to_contain_text(long_name("endpoint-3-11"))
    names_resolved(page)
    assert time.monotonic() - started < 15

    with page.expect_download() as json_download:
        page.get_by_role("button", name="Export JSON").click()
    exported = json.loads(saved(json_download.value, tmp_path))
    nodes = exported["Vertices"]
    assert len(nodes) == 201 and len(exported["Edges"]) == 200
    assert not [v["Name"] for v in nodes if HEX_NAME.match(v["Name"])]
    # Long names that differ only in the middle: every drawn label is short and distinct, and
    # keeps the part that tells its vertex apart (the run number), with the full name in the list.
    labels = [v["Label"] for v in nodes]
    assert len(set(labels)) == 201, sorted(labels)
    assert max(len(label) for label in labels) <= 21
    by_name = {v["Name"]: v["Label"] for v in nodes}
    assert "3-11" in by_name[long_name("train-3-11")]
    assert by_name[long_name("train-3-11")] != by_name[long_name("model-3-11")]
    expect(vertices).to_contain_text(long_name("report-2-5"))
    # Layered: every edge goes forward a layer, and no two nodes overlap.
    position = {v["Arn"]: v["Position"] for v in nodes}
    axis = "x" if exported["Layout"] == "LR" else "y"
    for edge in exported["Edges"]:
        assert position[edge["SourceArn"]][axis] < position[edge["DestinationArn"]][axis]
    boxes = sorted((p["x"], p["y"]) for p in position.values())
    for i, (x, y) in enumerate(boxes):
        for x2, y2 in boxes[i + 1 :]:
            if x2 - x >= NODE_WIDTH:
                break
            assert abs(y2 - y) >= NODE_HEIGHT, f"nodes overlap at {(x, y)} and {(x2, y2)}"

    with page.expect_download() as png_download:
        page.get_by_role("button", name="Export PNG").click()
    width, height = png_size(saved(png_download.value, tmp_path))
    assert max(width, height) <= 8000 * 2 and min(width, height) > 100


def test_paging_through_a_list(ui: UI, wide: Seeded) -> None:
    page = signed_in(ui, wide.region, "/ui/actions?sort=Name&order=Ascending&size=10")
    first = rows(page)
    assert first == sorted(first) and len(first) == 10
    page.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"token="))
    second = rows(page)
    assert len(second) == 10 and second[0] > first[-1]
    expect(page.locator("#list-count")).to_contain_text("page 2")
    page.get_by_role("link", name="Previous").click()
    expect(page.locator("#list-count")).to_contain_text("page 1")
    assert rows(page) == first


def test_unknown_and_foreign_arns_say_so(ui: UI, churn: Seeded) -> None:
    ui.allowed.append("status of 400")
    page = signed_in(ui, churn.region)
    missing = churn.arns["model"][:-6] + "000000"
    page.goto(ui.url(f"/ui/entity/{missing}"))
    expect(page.get_by_role("alert")).to_contain_text("ResourceNotFound")
    other = churn.arns["endpoint"].replace(f":{churn.region}:", ":eu-west-1:")
    page.goto(ui.url(f"/ui/entity/{other}"))
    page.get_by_role("button", name="Switch to eu-west-1").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator("#account")).to_contain_text("eu-west-1")
    page.goto(ui.url("/ui/nowhere"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")


def test_refused_credentials_send_you_back_to_sign_in(ui: UI, churn: Seeded) -> None:
    ui.allowed.append("status of 400")
    page = signed_in(ui, churn.region)
    page.evaluate(
        """() => {
             const stored = JSON.parse(sessionStorage.getItem('stemma.credentials'));
             stored.secretAccessKey = 'revoked';
             sessionStorage.setItem('stemma.credentials', JSON.stringify(stored));
           }"""
    )
    page.get_by_role("link", name="Actions", exact=True).click()
    expect(page).to_have_url(re.compile(r"/ui/signin\?next=%2Fui%2Factions&reason=expired"))
    expect(page.get_by_role("alert")).to_contain_text("Your credentials were refused")
    assert page.evaluate("sessionStorage.length") == 0
    ui.sign_in(churn.region)
    expect(page).to_have_url(ui.url("/ui/actions"))
    assert sorted(rows(page)) == ["churn-preprocess-2026-11-01", "churn-train-2026-11-01"]


def test_default_depth_says_where_there_is_more(ui: UI, wide: Seeded) -> None:
    # Upstream of an endpoint is five levels deep; the default depth (3) shows three of them and
    # marks the feature set at the limit, which has more; expanding it brings the rest in reach.
    page = signed_in(ui, wide.region)
    page.goto(ui.url(f"/ui/lineage/{wide.arns['endpoint-1-4']}?direction=Ascendants"))
    status = page.get_by_role("status").filter(has_text="vertices")
    expect(status).to_contain_text(
        "4 vertices, 3 edges. 1 vertex has more lineage beyond depth 3 (marked + with a dashed"
    )
    vertices = page.get_by_role("list", name="Vertices")
    vertices.get_by_role("button", name=re.compile("features-2026")).click()
    panel = page.locator(".selection")
    expect(panel).to_contain_text("More lineage past the depth limit")
    panel.get_by_role("button", name="Expand").click()
    expect(status).to_contain_text("5 vertices, 4 edges. Expanded")
    # Fit keeps a big graph readable: the 201 vertices are fitted along their narrower side.
    page.goto(ui.url(f"/ui/lineage/{wide.arns['raw']}?direction=Descendants&depth=5"))
    expect(status).to_contain_text("201 vertices")
    page.get_by_role("button", name="Fit").click()
    expect(status).to_contain_text("Fit: too big to read whole")
    page.get_by_role("button", name="Overview").click()
