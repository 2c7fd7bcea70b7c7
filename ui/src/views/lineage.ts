// The lineage graph around one entity (QueryLineage underneath): direction and depth controls,
// click a node to see it, expand it (double-click, or the Expand button) to add its neighbours,
// open its details; pan and zoom with the mouse or the keyboard; export as PNG or JSON. The
// vertex list beside the canvas gives keyboard and screen-reader users the same graph.

import type { Json } from "../api";
import { download, field, h, select } from "../dom";
import { arnResource, displayName, isTrialComponentArn, kindOfArn } from "../entities";
import { pluralize } from "../format";
import type { LayoutChoice, LineageCanvas, NodeLabel } from "../graph/canvas";
import {
  DIRECTIONS,
  type Direction,
  LineageGraph,
  lineageRequest,
  MAX_DEPTH,
  type Vertex,
} from "../graph/model";
import { exportJson, type ExportSettings as Settings, fileStem } from "../graph/export";
import { distinctLabels } from "../graph/labels";
import { legend } from "./legend";
import { entityHref, go, lineageHref, runHref } from "../router";
import { errorBox, heading, isAbort } from "./common";
import type { Cleanup, SignedInContext } from "./view";

const DEFAULT_DEPTH = 3;
const DIRECTION_LABELS: Record<Direction, string> = {
  Both: "Both ways",
  Ascendants: "Upstream (ascendants)",
  Descendants: "Downstream (descendants)",
};
const LAYOUTS: [LayoutChoice, string][] = [
  ["auto", "Automatic"],
  ["LR", "Left to right"],
  ["TB", "Top to bottom"],
];

function readSettings(params: URLSearchParams): Settings {
  const direction = params.get("direction") as Direction;
  const depth = Number(params.get("depth"));
  const layout = params.get("layout") as LayoutChoice;
  return {
    direction: DIRECTIONS.includes(direction) ? direction : "Both",
    depth: Number.isInteger(depth) && depth >= 1 && depth <= MAX_DEPTH ? depth : DEFAULT_DEPTH,
    layout: LAYOUTS.some(([value]) => value === layout) ? layout : "auto",
  };
}

function settingsParams(s: Settings): Record<string, string | undefined> {
  return {
    direction: s.direction === "Both" ? undefined : s.direction,
    depth: s.depth === DEFAULT_DEPTH ? undefined : String(s.depth),
    layout: s.layout === "auto" ? undefined : s.layout,
  };
}

export async function renderLineage(ctx: SignedInContext, startArn: string): Promise<Cleanup> {
  const settings = readSettings(ctx.route.params);
  const startKind = kindOfArn(startArn);
  let graph = new LineageGraph();
  let canvas: LineageCanvas | null = null;
  let selected: string | null = null;
  const listButtons = new Map<string, HTMLButtonElement>();
  // Vertices at the depth limit with lineage beyond it, and the labels drawn on the canvas.
  let more = new Set<string>();
  let shortLabels = new Map<string, string>();

  const fullName = (arn: string): string => {
    const known = ctx.names.peek(arn);
    return known ? displayName(known) : arnResource(arn);
  };
  const label = (arn: string): NodeLabel => {
    const vertex = graph.vertices.get(arn);
    const known = ctx.names.peek(arn);
    return {
      name: fullName(arn),
      type: vertex?.type || known?.type || "",
      short: shortLabels.get(arn),
      more: more.has(arn),
    };
  };
  /** Recompute the short labels of every vertex (they depend on all the names) and redraw the
   * ones that changed. */
  const relabel = () => {
    const names = new Map([...graph.vertices.keys()].map((arn) => [arn, fullName(arn)]));
    const previous = shortLabels;
    shortLabels = distinctLabels(names);
    for (const [arn, short] of shortLabels) {
      if (previous.get(arn) !== short) canvas?.setLabel(arn, label(arn));
    }
  };
  let relabelTimer = 0;
  const scheduleRelabel = () => {
    if (relabelTimer) return;
    relabelTimer = window.setTimeout(() => {
      relabelTimer = 0;
      if (!ctx.signal.aborted) relabel();
    }, 40);
  };
  const startName = () => label(startArn).name;

  // The page skeleton, drawn at once; the graph fills in when the answer arrives.
  const title = heading(
    `Lineage of ${startName()}`,
    startKind ? startKind.singular : isTrialComponentArn(startArn) ? "Run (trial component)" : "",
  );
  ctx.setTitle(`Lineage of ${startName()}`);
  const direction = select(
    "direction",
    DIRECTIONS.map((d) => [d, DIRECTION_LABELS[d]]),
    settings.direction,
  );
  const depth = h("input", {
    name: "depth",
    type: "number",
    min: 1,
    max: MAX_DEPTH,
    step: 1,
    value: settings.depth,
    inputmode: "numeric",
  });
  const layout = select("layout", LAYOUTS, settings.layout);
  const status = h(
    "p",
    { class: "status", role: "status", "aria-live": "polite" },
    "Loading graph…",
  );
  const canvasBox = h("div", {
    class: "graph-canvas",
    tabindex: "0",
    role: "group",
    "aria-label":
      "Lineage graph. Arrow keys pan, plus and minus zoom, 0 fits, Enter expands the selected node.",
    "aria-describedby": "graph-help",
  });
  const help = h(
    "p",
    { id: "graph-help", class: "hint" },
    "Click a node to select it, double-click to expand it. Drag to pan, scroll to zoom. " +
      "Keyboard: arrows pan, + and − zoom, 0 fits, Enter expands the selected node.",
  );
  const panel = h("div", { class: "selection", "aria-live": "polite" });
  const vertexList = h("ul", { class: "vertex-list", "aria-label": "Vertices" });
  const vertexTitle = h("h2", { id: "vertices-title" }, "Vertices");
  const fitButton = h("button", { type: "button", disabled: true }, "Fit");
  const overviewButton = h("button", { type: "button", disabled: true }, "Overview");
  const pngButton = h("button", { type: "button", disabled: true }, "Export PNG");
  const jsonButton = h("button", { type: "button", disabled: true }, "Export JSON");
  const controls = h(
    "form",
    { class: "graph-controls", "aria-label": "Graph settings" },
    field("Direction", direction),
    field("Depth", depth),
    field("Layout", layout),
    h("div", { class: "actions" }, fitButton, overviewButton, pngButton, jsonButton),
  );
  ctx.main.append(
    h(
      "nav",
      { class: "crumbs", "aria-label": "Breadcrumb" },
      h("a", { href: entityHref(startArn) }, "Details"),
      " / ",
      h("span", { "aria-current": "page" }, "Lineage graph"),
    ),
    title,
    controls,
    h("div", { class: "graph-meta" }, status, legend()),
    h(
      "div",
      { class: "graph-layout" },
      h("div", { class: "graph-main" }, canvasBox, help),
      h(
        "aside",
        { class: "graph-side", "aria-label": "Selected vertex and vertex list" },
        panel,
        h("section", { "aria-labelledby": "vertices-title" }, vertexTitle, vertexList),
      ),
    ),
  );

  const updateStatus = (extra = "") => {
    const vertices = pluralize(graph.vertices.size, "vertex", "vertices");
    const edges = pluralize(graph.edges.size, "edge");
    const boundary = more.size
      ? `${pluralize(more.size, "vertex has", "vertices have")} more lineage beyond depth ` +
        `${current().depth} (marked + with a dashed border): expand them or raise the depth.`
      : "";
    status.textContent = [`${vertices}, ${edges}.`, boundary, extra].filter(Boolean).join(" ");
    vertexTitle.textContent = `Vertices (${graph.vertices.size})`;
  };

  const refreshName = (arn: string) => {
    const text = label(arn);
    canvas?.setLabel(arn, text);
    scheduleRelabel();
    const button = listButtons.get(arn);
    if (button) fillListButton(button, graph.vertices.get(arn), text);
    if (arn === selected) showSelection(arn);
    if (arn === startArn) {
      title.querySelector("h1")!.textContent = `Lineage of ${text.name}`;
      ctx.setTitle(`Lineage of ${text.name}`);
    }
  };

  const resolveNames = (vertices: Vertex[]) => {
    for (const v of vertices) {
      if (ctx.names.peek(v.arn)) continue;
      void ctx.names.resolve(v.arn, v.lineageType).then((summary) => {
        if (summary && !ctx.signal.aborted) refreshName(v.arn);
      });
    }
  };

  const addToList = (vertices: Vertex[]) => {
    for (const v of vertices) {
      const button = h("button", {
        type: "button",
        class: `vertex lt-${v.lineageType.toLowerCase()}`,
      });
      fillListButton(button, v, label(v.arn));
      button.addEventListener("click", () => choose(v.arn, true));
      button.addEventListener("dblclick", () => void expand(v.arn));
      listButtons.set(v.arn, button);
      vertexList.append(h("li", {}, button));
    }
  };

  const choose = (arn: string | null, fromList = false) => {
    selected = arn;
    canvas?.select(arn, fromList);
    for (const [key, button] of listButtons) {
      if (key === arn) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    }
    showSelection(arn);
  };

  const showSelection = (arn: string | null) => {
    if (!arn) {
      panel.replaceChildren(h("p", { class: "muted" }, "Select a vertex to see it here."));
      return;
    }
    const vertex = graph.vertices.get(arn);
    const text = label(arn);
    const expanded = graph.expanded.has(arn);
    const expandButton = h(
      "button",
      { type: "button", class: "primary", disabled: expanded },
      expanded ? "Expanded" : "Expand",
    );
    expandButton.addEventListener("click", () => void expand(arn));
    panel.replaceChildren(
      h("h2", {}, text.name),
      h(
        "dl",
        { class: "fields compact" },
        h("dt", {}, "Lineage type"),
        h("dd", {}, vertex?.lineageType ?? ""),
        h("dt", {}, "Type"),
        h("dd", {}, vertex?.type ?? ""),
        h("dt", {}, "ARN"),
        h("dd", {}, h("code", {}, arn)),
        more.has(arn) ? h("dt", {}, "Beyond") : "",
        more.has(arn) ? h("dd", {}, "More lineage past the depth limit: expand it.") : "",
      ),
      h(
        "div",
        { class: "actions" },
        expandButton,
        kindOfArn(arn) ? h("a", { class: "button", href: entityHref(arn) }, "Open details") : "",
        vertex?.lineageType === "TrialComponent" || isTrialComponentArn(arn)
          ? h(
              "a",
              { class: "button", href: runHref(ctx.names.peek(arn)?.name || arnResource(arn)) },
              "Open run",
            )
          : "",
        arn !== startArn
          ? h(
              "a",
              { class: "button", href: lineageHref(arn, settingsParams(current())) },
              "Graph from here",
            )
          : "",
      ),
    );
  };

  const current = (): Settings => ({
    direction: direction.value as Direction,
    depth: Math.min(Math.max(Math.round(Number(depth.value)) || DEFAULT_DEPTH, 1), MAX_DEPTH),
    layout: layout.value as LayoutChoice,
  });

  const expand = async (arn: string) => {
    if (!canvas || graph.expanded.has(arn)) {
      if (graph.expanded.has(arn)) updateStatus(`${label(arn).name} is already expanded.`);
      return;
    }
    status.textContent = `Expanding ${label(arn).name}…`;
    try {
      const response = await ctx.api.call<Json>(
        "QueryLineage",
        lineageRequest(arn, current().direction, 1),
        ctx.signal,
      );
      const added = graph.merge(response);
      graph.expanded.add(arn);
      more.delete(arn);
      relabel();
      canvas.add(added.vertices, added.edges, label, startArn);
      canvas.setLabel(arn, label(arn));
      canvas.markExpanded(arn);
      addToList(added.vertices);
      resolveNames(added.vertices);
      const newVertices = pluralize(added.vertices.length, "new vertex", "new vertices");
      const newEdges = pluralize(added.edges.length, "new edge");
      updateStatus(`Expanded ${label(arn).name}: ${newVertices}, ${newEdges}.`);
      if (selected === arn) showSelection(arn);
    } catch (error) {
      if (!isAbort(error)) status.replaceChildren(errorBox(error, "Could not expand. "));
    }
  };

  // The query last asked for, and a counter so that only the latest answer is drawn.
  let asked = "";
  let loads = 0;
  const load = async () => {
    const s = current();
    asked = `${s.direction}/${s.depth}`;
    const mine = ++loads;
    status.textContent = "Loading graph…";
    // One level more than asked, to tell which vertices at the limit have lineage beyond it.
    const probe = Math.min(s.depth + 1, MAX_DEPTH);
    const [module, answer] = await Promise.all([
      canvas ? Promise.resolve(null) : import("../graph/canvas"),
      ctx.api.call<Json>("QueryLineage", lineageRequest(startArn, s.direction, probe), ctx.signal),
    ]);
    const { response, boundary } =
      probe > s.depth
        ? withinDepth(answer, startArn, s.direction, s.depth)
        : { response: answer, boundary: new Set<string>() };
    if (ctx.signal.aborted || mine !== loads) return;
    if (!canvas && module) {
      canvas = new module.LineageCanvas(canvasBox, {
        select: (arn) => choose(arn),
        expand: (arn) => void expand(arn),
      });
      canvas.setLayout(s.layout);
      for (const button of [fitButton, overviewButton, pngButton, jsonButton]) {
        button.disabled = false;
      }
    }
    graph = new LineageGraph();
    graph.merge(response);
    if (!graph.vertices.has(startArn)) {
      const kind = kindOfArn(startArn);
      graph.merge({
        Vertices: [{ Arn: startArn, LineageType: kind?.lineageType ?? "", Type: "" }],
      });
    }
    graph.expanded.add(startArn);
    more = boundary;
    shortLabels = distinctLabels(
      new Map([...graph.vertices.keys()].map((arn) => [arn, fullName(arn)])),
    );
    canvas!.clear();
    listButtons.clear();
    vertexList.replaceChildren();
    const vertices = [...graph.vertices.values()];
    canvas!.add(vertices, [...graph.edges.values()], label, startArn);
    canvas!.markExpanded(startArn);
    addToList(vertices);
    resolveNames(vertices);
    choose(startArn);
    updateStatus();
    performance.mark("stemma:graph-rendered");
  };

  const reload = () => {
    const s = current();
    depth.value = String(s.depth);
    if (`${s.direction}/${s.depth}` === asked) return;
    go(lineageHref(startArn, settingsParams(s)), { replace: true, silent: true });
    load().catch(showError);
  };
  const showError = (error: unknown) => {
    if (!isAbort(error)) status.replaceChildren(errorBox(error, "Could not load the lineage. "));
  };

  controls.addEventListener("submit", (event) => {
    event.preventDefault();
    reload();
  });
  direction.addEventListener("change", reload);
  depth.addEventListener("change", reload);
  layout.addEventListener("change", () => {
    go(lineageHref(startArn, settingsParams(current())), { replace: true, silent: true });
    canvas?.setLayout(current().layout);
  });
  const fit = () => {
    if (canvas && !canvas.fit()) {
      updateStatus(
        "Fit: too big to read whole, so shown along its narrower side; drag or use " +
          "the arrow keys for the rest, or Overview for all of it.",
      );
    }
  };
  fitButton.addEventListener("click", fit);
  overviewButton.addEventListener("click", () => canvas?.overview());
  pngButton.addEventListener("click", async () => {
    if (!canvas) return;
    download(await canvas.png(), `${fileStem(startName())}.png`);
    updateStatus("Exported PNG.");
  });
  jsonButton.addEventListener("click", () => {
    if (!canvas) return;
    download(
      exportJson(graph, canvas, startArn, current(), label),
      `${fileStem(startName())}.json`,
    );
    updateStatus("Exported JSON.");
  });
  canvasBox.addEventListener("keydown", (event) => {
    if (!canvas) return;
    const step = 60;
    const actions: Record<string, () => void> = {
      ArrowLeft: () => canvas!.panBy(step, 0),
      ArrowRight: () => canvas!.panBy(-step, 0),
      ArrowUp: () => canvas!.panBy(0, step),
      ArrowDown: () => canvas!.panBy(0, -step),
      "+": () => canvas!.zoomBy(1.25),
      "=": () => canvas!.zoomBy(1.25),
      "-": () => canvas!.zoomBy(0.8),
      "0": fit,
      Enter: () => selected && void expand(selected),
      Escape: () => choose(null),
    };
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });
  const onResize = () => canvas?.resize();
  window.addEventListener("resize", onResize);

  showSelection(null);
  load().catch(showError);
  return () => {
    window.removeEventListener("resize", onResize);
    canvas?.destroy();
  };
}

function fillListButton(button: HTMLButtonElement, vertex: Vertex | undefined, text: NodeLabel) {
  button.replaceChildren(
    h("span", { class: "vertex-name" }, text.name),
    h(
      "span",
      { class: "vertex-type" },
      [vertex?.lineageType, text.type].filter(Boolean).join(" · "),
    ),
  );
}

/** The part of a QueryLineage answer (asked one level deeper than `depth`) within `depth` of
 * the start, walking its edges as the query walked (`Both`: either way), and the vertices at
 * the limit that have a neighbour beyond it. */
function withinDepth(
  answer: Json,
  start: string,
  direction: Direction,
  depth: number,
): { response: Json; boundary: Set<string> } {
  const edges = ((answer.Edges as Json[] | undefined) ?? []).map((e) => ({
    source: String(e.SourceArn ?? ""),
    destination: String(e.DestinationArn ?? ""),
    raw: e,
  }));
  const next = new Map<string, string[]>();
  const link = (from: string, to: string) => {
    if (!next.has(from)) next.set(from, []);
    next.get(from)!.push(to);
  };
  for (const e of edges) {
    if (direction !== "Ascendants") link(e.source, e.destination);
    if (direction !== "Descendants") link(e.destination, e.source);
  }
  const level = new Map<string, number>([[start, 0]]);
  let frontier = [start];
  for (let d = 1; frontier.length; d += 1) {
    const following: string[] = [];
    for (const arn of frontier) {
      for (const n of next.get(arn) ?? []) {
        if (level.has(n)) continue;
        level.set(n, d);
        following.push(n);
      }
    }
    frontier = following;
  }
  const keep = (arn: string) => (level.get(arn) ?? 0) <= depth;
  const boundary = new Set<string>();
  for (const [arn, d] of level) {
    if (d === depth && (next.get(arn) ?? []).some((n) => !keep(n))) boundary.add(arn);
  }
  const vertices = ((answer.Vertices as Json[] | undefined) ?? []).filter((v) =>
    keep(String(v.Arn ?? "")),
  );
  return {
    response: {
      Vertices: vertices,
      Edges: edges.filter((e) => keep(e.source) && keep(e.destination)).map((e) => e.raw),
    },
    boundary,
  };
}
