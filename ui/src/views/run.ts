// One run (a trial component) and the comparison of two to five runs. A run's record comes from
// Search (parameters, artifacts, metric summaries, parents, tags in one answer); its metrics'
// points from BatchGetMetrics, drawn as line charts over the step or the time. Loaded on demand
// with the charting library.

import { h } from "../dom";
import { type Chart, type ChartLine, metricChart } from "../charts";
import { formatValue, metricSeries, type Run, runsByName, STATS, type XAxis } from "../experiments";
import { pluralize } from "../format";
import {
  compareHref,
  experimentHref,
  experimentsHref,
  lineageHref,
  runHref,
  trialHref,
} from "../router";
import { errorBox, fields, heading, isAbort, loading, time } from "./common";
import type { Cleanup, SignedInContext } from "./view";

function readAxis(params: URLSearchParams): XAxis {
  return params.get("x") === "time" ? "time" : "step";
}

function axisSwitch(axis: XAxis, href: (axis: XAxis) => string): HTMLElement {
  const option = (value: XAxis, label: string) =>
    h(
      "a",
      {
        class: `button${value === axis ? " primary" : ""}`,
        href: href(value),
        "aria-current": value === axis ? "true" : null,
      },
      label,
    );
  return h(
    "div",
    { class: "axis-switch", role: "group", "aria-label": "Horizontal axis" },
    h("span", { class: "label" }, "X axis: "),
    option("step", "Step"),
    option("time", "Time"),
  );
}

function table(caption: string, head: string[], rows: (Node | string)[][]): HTMLElement {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "kv" },
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", {}, h("tr", {}, ...head.map((c) => h("th", { scope: "col" }, c)))),
      h(
        "tbody",
        {},
        rows.map(([first, ...rest]) =>
          h("tr", {}, h("th", { scope: "row" }, first), ...rest.map((c) => h("td", {}, c))),
        ),
      ),
    ),
  );
}

function section(id: string, title: string, ...content: (Node | string)[]): HTMLElement {
  return h("section", { "aria-labelledby": id }, h("h2", { id }, title), ...content);
}

function parentsList(run: Run): HTMLElement {
  if (!run.parents.length) return h("p", { class: "muted" }, "In no trial.");
  return h(
    "ul",
    { class: "parents" },
    run.parents.map((p) =>
      h(
        "li",
        {},
        "Trial ",
        h("a", { href: trialHref(p.trial) }, p.trial),
        " in experiment ",
        h("a", { href: experimentHref(p.experiment) }, p.experiment),
      ),
    ),
  );
}

/** Charts for every metric, drawn as their points arrive; returns what releases them. */
function chartsInto(
  ctx: SignedInContext,
  holder: HTMLElement,
  runs: Run[],
  axis: XAxis,
): () => void {
  const charts: Chart[] = [];
  const metrics = [...new Set(runs.flatMap((r) => [...r.metrics.keys()]))].sort();
  if (!metrics.length) {
    holder.replaceChildren(h("p", { class: "muted" }, "No metrics recorded."));
    return () => {};
  }
  const status = h("p", { class: "status", role: "status" }, "Loading metrics…");
  holder.replaceChildren(status);
  const queries = metrics.flatMap((metric) =>
    runs.filter((r) => r.metrics.has(metric)).map((r) => ({ arn: r.arn, metric, run: r })),
  );
  metricSeries(ctx.api, queries, axis, ctx.signal)
    .then((series) => {
      if (ctx.signal.aborted) return;
      const grid = h("div", { class: "charts" });
      for (const metric of metrics) {
        const lines: ChartLine[] = [];
        queries.forEach((q, i) => {
          if (q.metric === metric) lines.push({ label: q.run.name, series: series[i] });
        });
        // Keep each run's colour the same on every chart.
        const ordered = runs
          .map((r) => lines.find((l) => l.label === r.name))
          .filter((l): l is ChartLine => Boolean(l));
        const chart = metricChart(metric, axis, ordered);
        charts.push(chart);
        grid.append(chart.element);
      }
      status.textContent = `${pluralize(metrics.length, "metric")} drawn.`;
      holder.append(grid);
      for (const chart of charts) chart.resize();
      performance.mark("stemma:charts-rendered");
    })
    .catch((error: unknown) => {
      if (!isAbort(error)) status.replaceWith(errorBox(error, "Could not load the metrics. "));
    });
  const onResize = () => charts.forEach((c) => c.resize());
  window.addEventListener("resize", onResize);
  return () => {
    window.removeEventListener("resize", onResize);
    charts.forEach((c) => c.destroy());
  };
}

export async function renderRun(ctx: SignedInContext, name: string): Promise<Cleanup> {
  ctx.setTitle(name);
  const axis = readAxis(ctx.route.params);
  const status = loading("Loading the run…");
  ctx.main.append(status);
  let run: Run | undefined;
  try {
    run = (await runsByName(ctx.api, [name], ctx.signal))[0];
  } catch (error) {
    if (!isAbort(error))
      status.replaceWith(heading(name), errorBox(error, "Could not load the run. "));
    return () => {};
  }
  status.remove();
  if (!run) {
    ctx.main.append(
      heading("Run not found"),
      h("p", { class: "error", role: "alert" }, `There is no run (trial component) named ${name}.`),
    );
    return () => {};
  }
  ctx.setTitle(run.name);
  const parent = run.parents[0];
  const chartsHolder = h("div", { class: "charts-holder" });
  const artifactRows = (map: Run["inputs"]) =>
    [...map].map(([key, a]): (Node | string)[] => [key, h("code", {}, a.value), a.mediaType]);
  ctx.main.append(
    h(
      "nav",
      { class: "crumbs", "aria-label": "Breadcrumb" },
      h("a", { href: experimentsHref() }, "Experiments"),
      parent ? " / " : "",
      parent ? h("a", { href: experimentHref(parent.experiment) }, parent.experiment) : "",
      parent ? " / " : "",
      parent ? h("a", { href: trialHref(parent.trial) }, parent.trial) : "",
      " / ",
      h("span", { "aria-current": "page" }, run.name),
    ),
    heading(run.name, "Run (trial component)"),
    h(
      "div",
      { class: "toolbar" },
      h("a", { class: "button primary", href: lineageHref(run.arn) }, "Open lineage graph"),
    ),
    fields([
      ["Display name", run.displayName !== run.name ? run.displayName : ""],
      ["Status", [run.status, run.statusMessage].filter(Boolean).join(": ")],
      ["Start", time(run.start)],
      ["End", time(run.end)],
      ["Created", time(run.created)],
      ["Last modified", time(run.modified)],
      ["Source", run.source ? h("code", {}, run.source) : ""],
      ["ARN", h("code", {}, run.arn)],
    ]),
    section("parents-title", "Parents", parentsList(run)),
    section(
      "params-title",
      `Parameters (${run.parameters.size})`,
      run.parameters.size
        ? table(
            "Parameters",
            ["Name", "Value"],
            [...run.parameters].map(([k, v]) => [k, formatValue(v)]),
          )
        : h("p", { class: "muted" }, "No parameters."),
    ),
    section(
      "inputs-title",
      `Input artifacts (${run.inputs.size})`,
      run.inputs.size
        ? table("Input artifacts", ["Name", "Value", "Media type"], artifactRows(run.inputs))
        : h("p", { class: "muted" }, "No input artifacts."),
    ),
    section(
      "outputs-title",
      `Output artifacts (${run.outputs.size})`,
      run.outputs.size
        ? table("Output artifacts", ["Name", "Value", "Media type"], artifactRows(run.outputs))
        : h("p", { class: "muted" }, "No output artifacts."),
    ),
    section(
      "metrics-title",
      `Metrics (${run.metrics.size})`,
      run.metrics.size
        ? table(
            "Metric summaries",
            ["Metric", ...STATS],
            [...run.metrics.values()].map((m) => [
              m.name,
              ...STATS.map((s) => formatValue(m.values[s])),
            ]),
          )
        : "",
      run.metrics.size
        ? axisSwitch(axis, (x) => runHref(run.name, { x: x === "step" ? undefined : x }))
        : "",
      chartsHolder,
    ),
    section(
      "tags-title",
      `Tags (${run.tags.length})`,
      run.tags.length
        ? table("Tags", ["Key", "Value"], run.tags)
        : h("p", { class: "muted" }, "No tags."),
    ),
  );
  return chartsInto(ctx, chartsHolder, [run], axis);
}

export async function renderCompare(ctx: SignedInContext): Promise<Cleanup> {
  const params = ctx.route.params;
  const axis = readAxis(params);
  const names = [
    ...new Set(
      (params.get("runs") ?? "")
        .split(",")
        .map((n) => n.trim())
        .filter(Boolean),
    ),
  ];
  ctx.setTitle("Compare runs");
  if (names.length < 2 || names.length > 5) {
    ctx.main.append(
      heading("Compare runs"),
      h(
        "p",
        { class: "error", role: "alert" },
        `Choose two to five runs to compare (this link names ${names.length}).`,
      ),
    );
    return () => {};
  }
  const status = loading("Loading the runs…");
  ctx.main.append(status);
  let runs: Run[];
  try {
    runs = await runsByName(ctx.api, names, ctx.signal);
  } catch (error) {
    if (!isAbort(error)) status.replaceWith(errorBox(error, "Could not load the runs. "));
    return () => {};
  }
  status.remove();
  const missing = names.filter((n) => !runs.some((r) => r.name.toLowerCase() === n.toLowerCase()));
  const parameters = [...new Set(runs.flatMap((r) => [...r.parameters.keys()]))].sort();
  const metrics = [...new Set(runs.flatMap((r) => [...r.metrics.keys()]))].sort();
  const differs = (values: (string | number | undefined)[]) =>
    new Set(values.map((v) => (v === undefined ? "\u0000" : String(v)))).size > 1;

  const runHeader = (run: Run, i: number) =>
    h(
      "th",
      { scope: "col" },
      h("span", { class: `swatch-line s${i}`, "aria-hidden": "true" }),
      h("a", { href: runHref(run.name) }, run.name),
    );
  const row = (label: string, values: (string | number | undefined)[]) => {
    const different = differs(values);
    return h(
      "tr",
      { class: different ? "differs" : null },
      h(
        "th",
        { scope: "row" },
        label,
        different ? h("span", { class: "diff-mark" }, " (differs)") : "",
      ),
      ...values.map((v) => h("td", {}, formatValue(v))),
    );
  };
  const grid = (caption: string, body: HTMLElement[]) =>
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "list compare-table" },
        h("caption", { class: "visually-hidden" }, caption),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Name"), ...runs.map(runHeader))),
        h("tbody", {}, body),
      ),
    );
  const paramRows = parameters.map((p) =>
    row(
      p,
      runs.map((r) => r.parameters.get(p)),
    ),
  );
  const differing = paramRows.filter((r) => r.classList.contains("differs")).length;
  const chartsHolder = h("div", { class: "charts-holder" });
  ctx.main.append(
    h(
      "nav",
      { class: "crumbs", "aria-label": "Breadcrumb" },
      h("a", { href: experimentsHref() }, "Experiments"),
      " / ",
      h("span", { "aria-current": "page" }, "Compare runs"),
    ),
    heading("Compare runs", runs.map((r) => r.name).join(" · ")),
    missing.length
      ? h("p", { class: "error", role: "alert" }, `Not found: ${missing.join(", ")}.`)
      : "",
    section(
      "run-fields-title",
      "Runs",
      grid("Runs", [
        row(
          "Status",
          runs.map((r) => r.status),
        ),
        h(
          "tr",
          {},
          h("th", { scope: "row" }, "Start"),
          ...runs.map((r) => h("td", {}, time(r.start))),
        ),
        h("tr", {}, h("th", { scope: "row" }, "End"), ...runs.map((r) => h("td", {}, time(r.end)))),
        h(
          "tr",
          {},
          h("th", { scope: "row" }, "Trial"),
          ...runs.map((r) => h("td", {}, r.parents.map((p) => p.trial).join(", "))),
        ),
      ]),
    ),
    section(
      "compare-params-title",
      `Parameters (${differing} of ${parameters.length} differ)`,
      parameters.length ? grid("Parameters", paramRows) : h("p", { class: "muted" }, "None."),
    ),
    section(
      "compare-metrics-title",
      "Metric summaries",
      metrics.length
        ? grid(
            "Metric summaries",
            metrics.flatMap((m) =>
              ["Last", "Min", "Max"].map((s) =>
                row(
                  `${m} ${s}`,
                  runs.map((r) => r.metrics.get(m)?.values[s as "Last"]),
                ),
              ),
            ),
          )
        : h("p", { class: "muted" }, "No metrics."),
    ),
    section(
      "compare-charts-title",
      "Metric charts",
      h(
        "ul",
        { class: "run-key", "aria-label": "Line styles" },
        runs.map((r, i) =>
          h("li", {}, h("span", { class: `swatch-line s${i}`, "aria-hidden": "true" }), r.name),
        ),
      ),
      metrics.length
        ? axisSwitch(
            axis,
            (x) => `${compareHref(runs.map((r) => r.name))}${x === "time" ? "&x=time" : ""}`,
          )
        : "",
      chartsHolder,
    ),
  );
  if (runs.length < 2) return () => {};
  return chartsInto(ctx, chartsHolder, runs, axis);
}
