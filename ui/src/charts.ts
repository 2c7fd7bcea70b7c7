// Line charts of metrics, drawn by uPlot (bundled; loaded with the run views only). One chart per
// metric, one line per run, over the step or the time; each chart has a title, axis labels, a
// legend, and its numbers in a table beneath it for screen readers (and for checking).

import uPlot from "uplot";
import { h } from "./dom";
import { formatValue, type Series, type XAxis } from "./experiments";
import { formatTime } from "./format";

/** Okabe–Ito: five colours that stay apart for colour-blind readers. */
export const PALETTE = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00"];
const DASHES: (number[] | undefined)[] = [undefined, [8, 4], [2, 3], [10, 3, 2, 3], [4, 4]];
const HEIGHT = 260;

export interface ChartLine {
  label: string;
  series: Series;
}

export interface Chart {
  element: HTMLElement;
  destroy(): void;
  resize(): void;
}

export function metricChart(metric: string, axis: XAxis, lines: ChartLine[]): Chart {
  const id = `chart-${metric.replace(/[^A-Za-z0-9_-]/g, "-")}-${Math.random().toString(36).slice(2, 8)}`;
  const plot = h("div", { class: "chart-plot", role: "img", "aria-labelledby": `${id}-title` });
  const truncated = lines.some((l) => l.series.truncated);
  const figure = h(
    "figure",
    { class: "chart", "data-metric": metric },
    h(
      "figcaption",
      { id: `${id}-title`, class: "chart-title" },
      `${metric} by ${axis === "step" ? "step" : "time"}`,
      truncated ? " (first 10,000 points)" : "",
    ),
    plot,
    dataTable(metric, axis, lines),
  );
  const tables = lines.map((l): uPlot.AlignedData => [l.series.x, l.series.y]);
  const data = tables.length === 1 ? tables[0] : uPlot.join(tables);
  const width = () => Math.max(320, (figure.clientWidth || 640) - 4);
  const chart = new uPlot(
    {
      width: width(),
      height: HEIGHT,
      scales: { x: { time: axis === "time" } },
      series: [
        {
          label: axis === "step" ? "Step" : "Time",
          value: (_u, v) => (v === null ? "–" : axis === "step" ? String(v) : formatTime(v)),
        },
        ...lines.map((l, i) => ({
          label: l.label,
          stroke: PALETTE[i % PALETTE.length],
          width: 2,
          dash: DASHES[i % DASHES.length],
          spanGaps: true,
          points: { show: true, size: 5 },
          value: (_u: uPlot, v: number | null) => (v === null ? "–" : formatValue(v)),
        })),
      ],
      axes: [
        {
          label: axis === "step" ? "Step" : "Time",
          labelSize: 24,
          stroke: "#334155",
          grid: { stroke: "#e2e8f0" },
          ...(axis === "step" ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 10_000] } : {}),
        },
        {
          label: metric,
          labelSize: 24,
          stroke: "#334155",
          grid: { stroke: "#e2e8f0" },
          size: 64,
          values: (_u, values) => values.map((v) => formatValue(v)),
        },
      ],
      legend: { show: true, live: true },
      cursor: { drag: { x: true, y: false } },
    },
    data,
    plot,
  );
  return {
    element: figure,
    destroy: () => chart.destroy(),
    resize: () => chart.setSize({ width: width(), height: HEIGHT }),
  };
}

function dataTable(metric: string, axis: XAxis, lines: ChartLine[]): HTMLElement {
  const xs = [...new Set(lines.flatMap((l) => l.series.x))].sort((a, b) => a - b);
  const lookup = lines.map((l) => new Map(l.series.x.map((x, i) => [x, l.series.y[i]])));
  return h(
    "details",
    { class: "chart-data" },
    h("summary", {}, `Data: ${metric}`),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "list compact" },
        h("caption", { class: "visually-hidden" }, `${metric} values`),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, axis === "step" ? "Step" : "Time"),
            ...lines.map((l) => h("th", { scope: "col", class: "num" }, l.label)),
          ),
        ),
        h(
          "tbody",
          {},
          xs.map((x) =>
            h(
              "tr",
              {},
              h(
                "th",
                { scope: "row", "data-x": String(x) },
                axis === "step" ? String(x) : formatTime(x),
              ),
              ...lookup.map((m) => {
                const y = m.get(x);
                return h(
                  "td",
                  { class: "num", "data-y": y === undefined ? null : String(y) },
                  y === undefined ? "" : formatValue(y),
                );
              }),
            ),
          ),
        ),
      ),
    ),
  );
}
