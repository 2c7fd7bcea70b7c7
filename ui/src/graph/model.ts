// The lineage graph as the page knows it: the vertices and edges of every QueryLineage answer
// merged together (the first query, then each expanded node).

import type { Json } from "../api";

export type Direction = "Both" | "Ascendants" | "Descendants";
export const DIRECTIONS: Direction[] = ["Both", "Ascendants", "Descendants"];
export const MAX_DEPTH = 10;

export interface Vertex {
  arn: string;
  lineageType: string;
  type: string;
}

export interface Edge {
  id: string;
  source: string;
  destination: string;
  associationType: string;
}

export function edgeId(source: string, destination: string): string {
  return `${source}->${destination}`;
}

export class LineageGraph {
  readonly vertices = new Map<string, Vertex>();
  readonly edges = new Map<string, Edge>();
  readonly expanded = new Set<string>();

  /** Merge a QueryLineage response; returns what was new. */
  merge(response: Json): { vertices: Vertex[]; edges: Edge[] } {
    const added = { vertices: [] as Vertex[], edges: [] as Edge[] };
    for (const v of (response.Vertices as Json[] | undefined) ?? []) {
      const arn = String(v.Arn ?? "");
      if (!arn || this.vertices.has(arn)) continue;
      const vertex = { arn, lineageType: String(v.LineageType ?? ""), type: String(v.Type ?? "") };
      this.vertices.set(arn, vertex);
      added.vertices.push(vertex);
    }
    for (const e of (response.Edges as Json[] | undefined) ?? []) {
      const source = String(e.SourceArn ?? "");
      const destination = String(e.DestinationArn ?? "");
      const id = edgeId(source, destination);
      if (!source || !destination || this.edges.has(id)) continue;
      if (!this.vertices.has(source) || !this.vertices.has(destination)) continue;
      const edge = { id, source, destination, associationType: String(e.AssociationType ?? "") };
      this.edges.set(id, edge);
      added.edges.push(edge);
    }
    return added;
  }
}

/** A QueryLineage request for the graph around one entity, with the edges on the paths. */
export function lineageRequest(arn: string, direction: Direction, depth: number): Json {
  return { StartArns: [arn], Direction: direction, IncludeEdges: true, MaxDepth: depth };
}
