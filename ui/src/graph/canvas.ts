// The drawn graph: cytoscape.js renders it, dagre lays it out in layers (sources before
// destinations), and this class is the only code that touches either. Loaded on demand, so the
// lists and details never download it.

import dagre from "@dagrejs/dagre";
import cytoscape from "cytoscape";
import type { Edge, Vertex } from "./model";
import { graphStyle, NODE_HEIGHT, NODE_WIDTH } from "./style";

export type RankDir = "LR" | "TB";
export type LayoutChoice = RankDir | "auto";

export interface CanvasHandlers {
  select(arn: string | null): void;
  expand(arn: string): void;
}

export interface NodeLabel {
  name: string;
  type: string;
  /** The name as drawn: shortened so that it stays distinct from the graph's other names. */
  short?: string;
  /** Has lineage beyond the depth asked for (drawn with a dashed border). */
  more?: boolean;
}

const MAX_NAME = 24;
/** Below this zoom labels are too small to read: a big graph opens at this zoom around the
 * start vertex instead of fitted. */
const READABLE_ZOOM = 0.7;
/** Fit never zooms out further than this: a graph too big for the canvas at this zoom is fitted
 * along its narrower side (the width of a left-to-right graph of a few layers) and panned along
 * the other. The Overview button shows all of it at any zoom. */
const MIN_FIT_ZOOM = 0.55;
const MAX_FIT_ZOOM = 1.25;

function shorten(text: string): string {
  return text.length > MAX_NAME ? `${text.slice(0, MAX_NAME - 1)}…` : text;
}

// cytoscape adds a <style> element to <head> unless an element with this id exists; the CSP
// forbids inline styles, so a marker stands in for it and app.css carries the one rule.
function preventInlineStylesheet(): void {
  const id = "__________cytoscape_stylesheet";
  if (!document.getElementById(id)) {
    const marker = document.createElement("meta");
    marker.id = id;
    marker.name = "cytoscape-stylesheet";
    marker.content = "provided by app.css";
    document.head.append(marker);
  }
}

export class LineageCanvas {
  private readonly cy: cytoscape.Core;
  private layoutChoice: LayoutChoice = "auto";
  private start = "";
  rankDir: RankDir = "LR";

  constructor(
    readonly container: HTMLElement,
    private readonly handlers: CanvasHandlers,
  ) {
    preventInlineStylesheet();
    this.cy = cytoscape({
      container,
      style: graphStyle(),
      minZoom: 0.05,
      maxZoom: 4,
      boxSelectionEnabled: false,
      autoungrabify: false,
    });
    this.cy.on("tap", "node", (event) => this.handlers.select(event.target.id()));
    this.cy.on("tap", (event) => {
      if (event.target === this.cy) this.handlers.select(null);
    });
    this.cy.on("dbltap", "node", (event) => this.handlers.expand(event.target.id()));
    // The full name on hover (labels are shortened).
    this.cy.on("mouseover", "node", (event) => {
      this.container.title = String(event.target.data("full") ?? "");
    });
    this.cy.on("mouseout", "node", () => {
      this.container.removeAttribute("title");
    });
  }

  get size(): { nodes: number; edges: number } {
    return { nodes: this.cy.nodes().length, edges: this.cy.edges().length };
  }

  /** Add vertices and edges (those already drawn are skipped) and lay the graph out again. */
  add(
    vertices: Vertex[],
    edges: Edge[],
    labels: (arn: string) => NodeLabel,
    start: string,
    focus?: string,
  ): void {
    this.start = start;
    const elements: cytoscape.ElementDefinition[] = [];
    for (const v of vertices) {
      if (this.cy.getElementById(v.arn).nonempty()) continue;
      const label = labels(v.arn);
      elements.push({
        group: "nodes",
        data: { id: v.arn, lineage: v.lineageType, label: this.text(label), full: label.name },
        classes: [`lt-${v.lineageType.toLowerCase()}`, v.arn === start ? "start" : ""]
          .filter(Boolean)
          .join(" "),
      });
    }
    for (const e of edges) {
      if (this.cy.getElementById(e.id).nonempty()) continue;
      elements.push({
        group: "edges",
        data: { id: e.id, source: e.source, target: e.destination, label: e.associationType },
      });
    }
    this.cy.add(elements);
    this.layout(focus);
  }

  clear(): void {
    this.cy.elements().remove();
  }

  setLabel(arn: string, label: NodeLabel): void {
    const node = this.cy.getElementById(arn);
    if (node.empty()) return;
    node.data({ label: this.text(label), full: label.name });
    if (label.more) node.addClass("more");
    else node.removeClass("more");
  }

  /** The text drawn on each node, by ARN. */
  labels(): Map<string, string> {
    const out = new Map<string, string>();
    this.cy.nodes().forEach((node) => {
      out.set(node.id(), String(node.data("label")));
    });
    return out;
  }

  markExpanded(arn: string): void {
    this.cy.getElementById(arn).addClass("expanded");
  }

  private text(label: NodeLabel): string {
    const name = (label.short ?? shorten(label.name)) + (label.more ? " +" : "");
    return label.type ? `${name}\n${shorten(label.type)}` : name;
  }

  setLayout(choice: LayoutChoice): void {
    this.layoutChoice = choice;
    this.layout();
  }

  /** Layered layout. "auto" tries left-to-right and top-to-bottom and keeps the one that fits
   * the canvas at the larger zoom, so wide and deep graphs both stay readable. */
  layout(focus?: string): void {
    if (this.cy.nodes().empty()) return;
    const choices: RankDir[] = this.layoutChoice === "auto" ? ["LR", "TB"] : [this.layoutChoice];
    let best: { dir: RankDir; positions: Map<string, cytoscape.Position>; zoom: number } | null =
      null;
    for (const dir of choices) {
      const { positions, width, height } = this.dagre(dir);
      const zoom = Math.min(
        (this.container.clientWidth || 800) / width,
        (this.container.clientHeight || 600) / height,
      );
      if (!best || zoom > best.zoom * 1.05) best = { dir, positions, zoom };
    }
    if (!best) return;
    this.rankDir = best.dir;
    const positions = best.positions;
    this.cy.nodes().positions((node) => positions.get(node.id()) ?? { x: 0, y: 0 });
    this.view(focus ?? this.start);
  }

  /** Show the whole graph when it fits at a readable zoom; otherwise a readable part of it
   * around `focus` (the start, or the node just expanded), with no empty margin on a side
   * where the graph goes on. The Fit button shows all of it. */
  private view(focus: string): void {
    this.overview();
    const zoom = this.cy.zoom();
    if (zoom > MAX_FIT_ZOOM) {
      this.cy.zoom(MAX_FIT_ZOOM);
      this.cy.center();
    }
    if (zoom >= READABLE_ZOOM) return;
    const node = this.cy.getElementById(focus);
    this.cy.zoom(READABLE_ZOOM);
    this.cy.center(node.nonempty() ? node : undefined);
    const box = this.cy.elements().renderedBoundingBox();
    const width = this.container.clientWidth;
    const height = this.container.clientHeight;
    const margin = 24;
    const shift = (low: number, high: number, size: number) => {
      if (high - low + 2 * margin <= size) return 0;
      if (low > margin) return margin - low;
      if (high < size - margin) return size - margin - high;
      return 0;
    };
    this.cy.panBy({ x: shift(box.x1, box.x2, width), y: shift(box.y1, box.y2, height) });
  }

  private dagre(dir: RankDir): {
    positions: Map<string, cytoscape.Position>;
    width: number;
    height: number;
  } {
    const g = new dagre.graphlib.Graph({ multigraph: false });
    g.setGraph({ rankdir: dir, nodesep: 20, ranksep: 70, edgesep: 10, marginx: 24, marginy: 24 });
    g.setDefaultEdgeLabel(() => ({}));
    this.cy.nodes().forEach((node) => {
      g.setNode(node.id(), { width: NODE_WIDTH, height: NODE_HEIGHT });
    });
    this.cy.edges().forEach((edge) => {
      g.setEdge(edge.source().id(), edge.target().id());
    });
    dagre.layout(g);
    const positions = new Map<string, cytoscape.Position>();
    for (const id of g.nodes()) {
      const n = g.node(id);
      positions.set(id, { x: n.x, y: n.y });
    }
    const graph = g.graph();
    return { positions, width: graph.width ?? 1, height: graph.height ?? 1 };
  }

  /** Select a node; with `reveal`, bring it into view (at a readable zoom) if it is not. */
  select(arn: string | null, reveal = false): void {
    this.cy.nodes(":selected").unselect();
    if (!arn) return;
    const node = this.cy.getElementById(arn);
    node.select();
    if (!reveal || node.empty()) return;
    const box = node.renderedBoundingBox();
    const visible =
      box.x1 >= 0 &&
      box.y1 >= 0 &&
      box.x2 <= this.container.clientWidth &&
      box.y2 <= this.container.clientHeight;
    if (!visible || this.cy.zoom() < READABLE_ZOOM) {
      this.cy.animate(
        { center: { eles: node }, zoom: Math.max(this.cy.zoom(), READABLE_ZOOM) },
        { duration: 200 },
      );
    }
  }

  /** The whole graph, or, when that would be too small to read, the graph at the zoom that fits
   * its narrower side (at least MIN_FIT_ZOOM), from its start along the other side. Returns
   * whether all of it is in view. */
  fit(): boolean {
    this.cy.fit(undefined, 30);
    if (this.cy.zoom() >= MIN_FIT_ZOOM) return true;
    const box = this.cy.elements().boundingBox();
    const width = this.container.clientWidth || 800;
    const height = this.container.clientHeight || 600;
    const margin = 30;
    const zoom = Math.min(
      MAX_FIT_ZOOM,
      Math.max(MIN_FIT_ZOOM, Math.max((width - 2 * margin) / box.w, (height - 2 * margin) / box.h)),
    );
    this.cy.zoom(zoom);
    // Centre the side that fits; show the other from its start (top, or left).
    const fitsWidth = box.w * zoom <= width - 2 * margin;
    const fitsHeight = box.h * zoom <= height - 2 * margin;
    this.cy.pan({
      x: fitsWidth ? (width - box.w * zoom) / 2 - box.x1 * zoom : margin - box.x1 * zoom,
      y: fitsHeight ? (height - box.h * zoom) / 2 - box.y1 * zoom : margin - box.y1 * zoom,
    });
    return false;
  }

  /** All of the graph, however small. */
  overview(): void {
    this.cy.fit(undefined, 20);
  }

  zoomBy(factor: number): void {
    const zoom = this.cy.zoom() * factor;
    this.cy.zoom({
      level: Math.min(Math.max(zoom, this.cy.minZoom()), this.cy.maxZoom()),
      renderedPosition: { x: this.container.clientWidth / 2, y: this.container.clientHeight / 2 },
    });
  }

  panBy(x: number, y: number): void {
    this.cy.panBy({ x, y });
  }

  positions(): Map<string, cytoscape.Position> {
    const result = new Map<string, cytoscape.Position>();
    this.cy.nodes().forEach((node) => {
      const p = node.position();
      result.set(node.id(), { x: Math.round(p.x), y: Math.round(p.y) });
    });
    return result;
  }

  /** The whole graph as a PNG, at twice the size on screen, or smaller for very big graphs
   * (browsers refuse canvases much over 16k pixels a side). */
  png(): Promise<Blob> {
    const box = this.cy.elements().boundingBox();
    // Twice the size on screen, so 14 px labels come out at 28 px; less only when the picture
    // would pass 16,000 pixels a side or 200 million pixels (what browsers' canvases allow).
    const scale = Math.min(
      2,
      16000 / Math.max(box.w, box.h, 1),
      Math.sqrt(200e6 / Math.max(box.w * box.h, 1)),
    );
    return this.cy.png({ output: "blob-promise", full: true, scale, bg: "#ffffff" });
  }

  resize(): void {
    this.cy.resize();
  }

  destroy(): void {
    this.cy.destroy();
  }
}
