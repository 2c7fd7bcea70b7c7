// How the graph looks: each lineage type has its own colour and shape (the legend in the page
// uses the same table), labels carry the name and the entity type.

import type cytoscape from "cytoscape";

export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 54;

export interface LineageLook {
  lineageType: string;
  shape: cytoscape.Css.NodeShape;
  fill: string;
  border: string;
  text: string;
}

export const LOOKS: LineageLook[] = [
  {
    lineageType: "Artifact",
    shape: "ellipse",
    fill: "#dbeafe",
    border: "#1d4ed8",
    text: "#172554",
  },
  {
    lineageType: "Action",
    shape: "round-rectangle",
    fill: "#ffedd5",
    border: "#c2410c",
    text: "#431407",
  },
  { lineageType: "Context", shape: "hexagon", fill: "#dcfce7", border: "#15803d", text: "#052e16" },
  {
    lineageType: "TrialComponent",
    shape: "diamond",
    fill: "#f3e8ff",
    border: "#7e22ce",
    text: "#3b0764",
  },
];

export function graphStyle(): cytoscape.StylesheetJson {
  return [
    {
      selector: "node",
      style: {
        width: NODE_WIDTH,
        height: NODE_HEIGHT,
        shape: "round-rectangle",
        "background-color": "#f1f5f9",
        "border-width": 2,
        "border-color": "#475569",
        label: "data(label)",
        color: "#0f172a",
        "font-family": "system-ui, sans-serif",
        "font-size": 14,
        "text-wrap": "wrap",
        "text-max-width": `${NODE_WIDTH - 16}px`,
        "text-valign": "center",
        "text-halign": "center",
        "line-height": 1.3,
      },
    },
    ...LOOKS.map((look) => ({
      selector: `node.lt-${look.lineageType.toLowerCase()}`,
      style: {
        shape: look.shape,
        "background-color": look.fill,
        "border-color": look.border,
        color: look.text,
      },
    })),
    {
      selector: "node.start",
      style: { "border-width": 5, "font-weight": "bold" },
    },
    {
      // Vertices with lineage beyond the depth asked for: a dashed border and a "+".
      selector: "node.more",
      style: { "border-style": "dashed", "border-width": 3 },
    },
    {
      // The selection is a halo behind the node, so its fill and border keep the legend's
      // colours.
      selector: "node:selected",
      style: {
        "underlay-color": "#f59e0b",
        "underlay-opacity": 0.85,
        "underlay-padding": 8,
        "underlay-shape": "round-rectangle",
        "border-width": 4,
      },
    },
    {
      selector: "edge",
      style: {
        width: 1.5,
        "curve-style": "bezier",
        "line-color": "#64748b",
        "target-arrow-color": "#64748b",
        "target-arrow-shape": "triangle",
        "arrow-scale": 1.1,
        label: "data(label)",
        "font-size": 11,
        color: "#334155",
        "text-background-color": "#ffffff",
        "text-background-opacity": 0.85,
        "text-background-padding": "2px",
      },
    },
  ];
}
