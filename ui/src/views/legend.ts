// The graph's legend: one entry per lineage type, drawn with the same shape and colours as the
// canvas (SVG attributes, not inline styles, so the CSP allows them).

import { h } from "../dom";
import { type LineageLook, LOOKS } from "../graph/style";

export function legend(): HTMLElement {
  return h(
    "ul",
    { class: "legend", "aria-label": "Legend" },
    LOOKS.map((look) => h("li", {}, swatch(look), look.lineageType)),
  );
}

const SVG = "http://www.w3.org/2000/svg";
const SWATCH_SHAPES: Record<string, [string, Record<string, string>]> = {
  ellipse: ["ellipse", { cx: "14", cy: "9", rx: "12", ry: "7" }],
  "round-rectangle": ["rect", { x: "2", y: "2", width: "24", height: "14", rx: "4" }],
  hexagon: ["polygon", { points: "8,2 20,2 26,9 20,16 8,16 2,9" }],
  diamond: ["polygon", { points: "14,1 22,9 14,17 6,9" }],
};

/** The legend's picture of a node: the same shape and colours as on the canvas. */
function swatch(look: LineageLook): SVGElement {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 28 18");
  svg.setAttribute("width", "28");
  svg.setAttribute("height", "18");
  svg.setAttribute("aria-hidden", "true");
  const [tag, attrs] = SWATCH_SHAPES[look.shape] ?? SWATCH_SHAPES["round-rectangle"];
  const shape = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) shape.setAttribute(name, value);
  shape.setAttribute("fill", look.fill);
  shape.setAttribute("stroke", look.border);
  shape.setAttribute("stroke-width", "2");
  svg.append(shape);
  return svg;
}
