// Export of the drawn graph: JSON with names, types, edges and positions (QueryLineage's member
// names, so it reads like an API answer), and a file name for it and the PNG.

import type { LayoutChoice, LineageCanvas, NodeLabel } from "./canvas";
import type { Direction, LineageGraph } from "./model";

export interface ExportSettings {
  direction: Direction;
  depth: number;
  layout: LayoutChoice;
}

export function fileStem(name: string): string {
  return `lineage-${name.replace(/[^A-Za-z0-9._-]+/g, "-").slice(0, 80) || "graph"}`;
}

export function exportJson(
  graph: LineageGraph,
  canvas: LineageCanvas,
  startArn: string,
  settings: ExportSettings,
  label: (arn: string) => NodeLabel,
): Blob {
  const positions = canvas.positions();
  const drawn = canvas.labels();
  const document = {
    StartArn: startArn,
    Direction: settings.direction,
    MaxDepth: settings.depth,
    Layout: canvas.rankDir,
    Expanded: [...graph.expanded],
    ExportedAt: new Date().toISOString(),
    Vertices: [...graph.vertices.values()].map((v) => ({
      Arn: v.arn,
      LineageType: v.lineageType,
      Type: v.type,
      Name: label(v.arn).name,
      Label: (drawn.get(v.arn) ?? "").split("\n")[0],
      Position: positions.get(v.arn) ?? null,
    })),
    Edges: [...graph.edges.values()].map((e) => ({
      SourceArn: e.source,
      DestinationArn: e.destination,
      ...(e.associationType ? { AssociationType: e.associationType } : {}),
    })),
  };
  return new Blob([JSON.stringify(document, null, 2)], { type: "application/json" });
}
