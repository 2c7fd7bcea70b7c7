"""The explorer's experiment views in Chromium: experiments, the runs table (Search), a run with
its metric charts (BatchGetMetrics), comparing runs, and the lineage from a run; on each store."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.conftest import Server
from tests.ui.conftest import UI, Seeded
from tests.ui.experiment_data import EXPERIMENT, RUN_GROUP, metrics_client
from tests.ui.test_browser import focus_by_tab, signed_in


def run_names(page: Page) -> list[str]:
    page.locator("table.runs-table").wait_for()
    return page.locator("table.runs-table tbody th a").all_inner_texts()


def headers(page: Page) -> list[str]:
    return [t.strip(" ▲▼") for t in page.locator("table.runs-table thead th").all_inner_texts()]


def unlabelled(page: Page) -> list[str]:
    result: list[str] = page.evaluate(
        """() => [...document.querySelectorAll('input, select, button, a')].filter(el =>
             !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
             && !el.textContent.trim()).map(el => el.outerHTML)"""
    )
    return result


def test_experiments_and_the_runs_table(ui: UI, runs: Seeded) -> None:
    page = signed_in(ui, runs.region, "/ui/experiments")
    rows = page.locator("table.list tbody th a")
    expect(rows).to_have_text(["sweep", EXPERIMENT])  # newest first
    page.get_by_label("Sort by").select_option("ExperimentName")
    page.get_by_label("Order").select_option("Ascending")
    page.get_by_label("Name contains").fill("logreg")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"q=logreg&sort=ExperimentName&order=Ascending"))
    expect(rows).to_have_text([EXPERIMENT])
    rows.first.click()

    # The experiment: its trial, and its runs with a column per parameter and metric statistic.
    expect(page.get_by_role("heading", level=1)).to_have_text(EXPERIMENT)
    expect(page.get_by_role("link", name=RUN_GROUP)).to_be_visible()
    assert run_names(page) == [f"{EXPERIMENT}-lr-{i}" for i in range(3)]
    expect(page.locator("#runs-count")).to_have_text("3 runs; page 1.")
    assert headers(page)[1:] == [
        "Run",
        "Status",
        "Start",
        "End",
        "epochs",
        "learning_rate",
        "solver",
        "accuracy Last",
        "accuracy Min",
        "accuracy Max",
        "loss Last",
        "loss Min",
        "loss Max",
    ]
    assert unlabelled(page) == []

    # Sort by a metric statistic (Search's SortBy): a click sorts descending, a second ascending.
    page.get_by_role("link", name="Sort by loss Min").click()
    expect(page).to_have_url(re.compile(r"sort=Metrics.loss.Min"))
    assert run_names(page) == [f"{EXPERIMENT}-lr-{i}" for i in (0, 1, 2)]
    page.get_by_role("link", name=re.compile(r"^Sort by loss Min, now descending")).click()
    expect(page).to_have_url(re.compile(r"order=Ascending"))
    assert run_names(page) == [f"{EXPERIMENT}-lr-{i}" for i in (2, 1, 0)]
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("loss Min")

    # Filter on a parameter (Search filters), then remove the filter.
    page.get_by_label("Filter on").select_option("Parameters.learning_rate")
    page.get_by_label("Operator").select_option("GreaterThan")
    page.get_by_label("Value").fill("0.1")
    page.get_by_role("button", name="Add filter").click()
    expect(page.locator("#runs-count")).to_have_text("2 runs match the filters; page 1.")
    assert run_names(page) == [f"{EXPERIMENT}-lr-{i}" for i in (2, 1)]
    # The state is in the URL: a reload shows the same table.
    page.reload()
    assert run_names(page) == [f"{EXPERIMENT}-lr-{i}" for i in (2, 1)]
    page.get_by_role("link", name="Remove the filter on Parameters.learning_rate").click()
    expect(page.locator("#runs-count")).to_have_text("3 runs; page 1.")

    # Choose columns: hide a parameter, show only the Last statistic.
    page.locator("details.columns summary").click()
    page.get_by_label("solver", exact=True).uncheck()
    expect(page).to_have_url(re.compile(r"hide=p%3Asolver"))
    page.get_by_label("Min", exact=True).uncheck()
    page.get_by_label("Max", exact=True).uncheck()
    expect(page).to_have_url(re.compile(r"stats=Last"))
    page.locator("table.runs-table").wait_for()
    expect(page.locator("table.runs-table thead th")).to_have_count(9)
    assert "solver" not in headers(page) and "loss Min" not in headers(page)


def test_runs_table_pages_over_many_runs(ui: UI, runs: Seeded) -> None:
    page = signed_in(ui, runs.region, "/ui/experiments/sweep?sort=Parameters.batch&order=Ascending")
    expect(page.get_by_role("heading", name="Runs (100 or more)")).to_be_visible()
    first = run_names(page)
    assert len(first) == 25
    expect(page.locator("#runs-count")).to_have_text("100 or more runs; page 1.")
    batch = headers(page).index("batch")
    cells = page.locator(f"table.runs-table tbody td:nth-child({batch + 1})").all_inner_texts()
    assert [int(c) for c in cells] == sorted(int(c) for c in cells)
    seen = set(first)
    for page_number in range(2, 6):
        page.get_by_role("link", name="Next").click()
        expect(page.locator("#runs-count")).to_contain_text(f"page {page_number}.")
        names = run_names(page)
        assert not seen & set(names)
        seen |= set(names)
    assert len(seen) == 120
    expect(page.locator("a[rel=next]")).to_have_attribute("aria-disabled", "true")
    page.get_by_role("link", name="Previous").click()
    expect(page.locator("#runs-count")).to_contain_text("page 4.")
    # A trial has its own runs table.
    page.goto(ui.url("/ui/trials/sweep-trial-1"))
    expect(page.get_by_role("heading", name="Runs (40)")).to_be_visible()
    assert run_names(page)[0] == "sweep-run-040"


def chart_data(chart: Locator) -> tuple[list[float], list[list[float | None]]]:
    """The x values and, per line, the y values of a chart's data table."""
    table = chart.locator(".chart-data")
    table.locator("summary").click()
    xs = [float(x) for x in table.locator("tbody th").evaluate_all("a => a.map(e => e.dataset.x)")]
    columns = table.locator("thead th").count() - 1
    ys: list[list[float | None]] = []
    for c in range(columns):
        cells = table.locator(f"tbody td:nth-child({c + 2})").evaluate_all(
            "a => a.map(e => e.dataset.y === undefined ? null : Number(e.dataset.y))"
        )
        ys.append(cells)
    return xs, ys


def test_a_run_its_charts_and_its_lineage(ui: UI, runs: Seeded, server: Server) -> None:
    page = signed_in(ui, runs.region, f"/ui/experiments/{EXPERIMENT}")
    page.get_by_role("link", name=f"{EXPERIMENT}-lr-1", exact=True).click()
    expect(page).to_have_url(ui.url(f"/ui/runs/{EXPERIMENT}-lr-1"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{EXPERIMENT}-lr-1")
    params = page.locator("section", has=page.get_by_role("heading", name="Parameters (3)"))
    expect(params.locator("tbody tr")).to_have_text(["learning_rate0.5", "epochs8", "solvergd"])
    inputs = page.locator("section", has=page.get_by_role("heading", name="Input artifacts (1)"))
    expect(inputs).to_contain_text("s3://acme-data/churn/train.csv")
    tags = page.locator("section", has=page.get_by_role("heading", name="Tags (1)"))
    expect(tags.locator("tbody tr")).to_have_text(["teamretention"])
    parents = page.locator("section", has=page.get_by_role("heading", name="Parents"))
    expect(parents.get_by_role("link", name=RUN_GROUP)).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="metrics drawn")).to_have_text(
        "2 metrics drawn."
    )
    charts = page.locator("figure.chart")
    expect(charts).to_have_count(2)
    expect(charts.locator("canvas")).to_have_count(2)
    loss = page.locator("figure.chart[data-metric=loss]")
    expect(loss.locator("figcaption")).to_have_text("loss by step")
    expect(loss.locator(".u-legend")).to_contain_text(f"{EXPERIMENT}-lr-1")
    expect(loss.locator(".u-label").first).to_be_visible()  # axis labels

    # The chart's series are the API's numbers (BatchGetMetrics, by step, then by time).
    metrics = metrics_client(server.url, runs.region)

    def api(axis: str) -> tuple[list[float], list[float]]:
        result = metrics.batch_get_metrics(
            MetricQueries=[
                {
                    "MetricName": "loss",
                    "ResourceArn": runs.arns["run-1"],
                    "MetricStat": "Avg",
                    "Period": "IterationNumber",
                    "XAxisType": axis,
                }
            ]
        )["MetricQueryResults"][0]
        return [float(x) for x in result["XAxisValues"]], result["MetricValues"]

    xs, ys = chart_data(loss)
    api_x, api_y = api("IterationNumber")
    assert xs == api_x == [float(i) for i in range(8)]
    assert ys == [api_y]
    page.get_by_role("link", name="Time", exact=True).click()
    expect(page).to_have_url(re.compile(r"x=time"))
    loss = page.locator("figure.chart[data-metric=loss]")
    expect(loss.locator("figcaption")).to_have_text("loss by time")
    xs, ys = chart_data(loss)
    api_x, api_y = api("Timestamp")
    assert xs == api_x and ys == [api_y]

    # Its lineage: the run is a trial component between its data and its model; it opens again.
    page.get_by_role("link", name="Open lineage graph").click()
    status = page.get_by_role("status").filter(has_text="vertices")
    expect(status).to_contain_text("3 vertices, 2 edges.")
    vertices = page.get_by_role("list", name="Vertices")
    expect(vertices).to_contain_text(f"{EXPERIMENT}-lr-1-model")
    run_button = vertices.get_by_role("button").filter(has_text="TrialComponent")
    expect(run_button).to_contain_text(f"{EXPERIMENT}-lr-1")
    run_button.click()
    page.locator(".selection").get_by_role("link", name="Open run").click()
    expect(page).to_have_url(ui.url(f"/ui/runs/{EXPERIMENT}-lr-1"))


def test_compare_runs(ui: UI, runs: Seeded) -> None:
    page = signed_in(ui, runs.region, f"/ui/experiments/{EXPERIMENT}")
    run_names(page)
    compare = page.locator("#compare-link")
    expect(compare).to_have_attribute("aria-disabled", "true")
    # By keyboard: tab to each row's checkbox and tick it.
    for i in range(3):
        focus_by_tab(page, f"input[aria-label='Select {EXPERIMENT}-lr-{i} for comparison']")
        page.keyboard.press("Space")
    expect(compare).to_have_text("Compare selected (3)")
    compare.click()
    names = [f"{EXPERIMENT}-lr-{i}" for i in range(3)]
    expect(page).to_have_url(ui.url(f"/ui/compare?runs={'%2C'.join(names)}"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare runs")
    expect(page.get_by_role("heading", name="Parameters (1 of 3 differ)")).to_be_visible()
    params = page.locator("section", has=page.get_by_role("heading", name="Parameters (1 of 3"))
    expect(params.locator("tr.differs")).to_have_count(1)
    expect(params.locator("tr.differs")).to_contain_text("learning_rate (differs)0.050.52")
    expect(params.locator("tbody tr:not(.differs)")).to_have_text(["epochs888", "solvergdgdgd"])
    # The charts overlay the three runs, each in its own colour, in the legend and the data.
    charts = page.locator("figure.chart")
    expect(charts).to_have_count(2)
    accuracy = page.locator("figure.chart[data-metric=accuracy]")
    for name in names:
        expect(accuracy.locator(".u-legend")).to_contain_text(name)
    xs, ys = chart_data(accuracy)
    assert xs == [float(i) for i in range(8)] and len(ys) == 3
    assert all(len(column) == 8 and None not in column for column in ys)
    assert ys[2][-1] > ys[0][-1]  # the larger learning rate got further
    assert unlabelled(page) == []
    # Too many or too few runs: the link says so.
    page.goto(ui.url(f"/ui/compare?runs={names[0]}"))
    expect(page.get_by_role("alert")).to_contain_text("Choose two to five runs")
