// Experiments, trials and runs (trial components) as Search returns them, and the Search call
// itself: the explorer's experiment views read everything through Search, so one request gives
// a page of records with their parameters, metric summaries, parents and tags.

import type { Api, Json } from "./api";

export interface Hits<T> {
  items: T[];
  next: string;
  /** "N" exactly, or "N+" when the server answered GreaterThanOrEqualTo. */
  total: string;
}

export interface SearchRequest {
  resource: "Experiment" | "ExperimentTrial" | "ExperimentTrialComponent";
  filters?: Json[];
  sortBy?: string;
  sortOrder?: "Ascending" | "Descending";
  maxResults?: number;
  token?: string;
}

export async function search(
  api: Api,
  request: SearchRequest,
  signal?: AbortSignal,
): Promise<Hits<Json>> {
  const body: Json = { Resource: request.resource, MaxResults: request.maxResults ?? 25 };
  if (request.filters?.length) body.SearchExpression = { Filters: request.filters };
  if (request.sortBy) body.SortBy = request.sortBy;
  if (request.sortOrder) body.SortOrder = request.sortOrder;
  if (request.token) body.NextToken = request.token;
  const page = await api.call<Json>("Search", body, signal);
  const key =
    request.resource === "Experiment"
      ? "Experiment"
      : request.resource === "ExperimentTrial"
        ? "Trial"
        : "TrialComponent";
  const items = ((page.Results as Json[] | undefined) ?? [])
    .map((r) => r[key] as Json | undefined)
    .filter((r): r is Json => Boolean(r));
  const hits = page.TotalHits as { Value?: number; Relation?: string } | undefined;
  const total = hits
    ? `${hits.Value ?? items.length}${hits.Relation === "GreaterThanOrEqualTo" ? "+" : ""}`
    : String(items.length);
  return { items, next: typeof page.NextToken === "string" ? page.NextToken : "", total };
}

export const STATS = ["Last", "Min", "Max", "Avg", "StdDev", "Count"] as const;
export type Stat = (typeof STATS)[number];

export interface MetricSummary {
  name: string;
  values: Partial<Record<Stat, number>>;
}

export interface Run {
  name: string;
  arn: string;
  displayName: string;
  status: string;
  statusMessage: string;
  start?: number;
  end?: number;
  created?: number;
  modified?: number;
  parameters: Map<string, string | number>;
  metrics: Map<string, MetricSummary>;
  inputs: Map<string, { value: string; mediaType: string }>;
  outputs: Map<string, { value: string; mediaType: string }>;
  parents: { trial: string; experiment: string }[];
  tags: [string, string][];
  source: string;
  record: Json;
}

function num(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

function artifacts(value: unknown): Map<string, { value: string; mediaType: string }> {
  const out = new Map<string, { value: string; mediaType: string }>();
  for (const [key, item] of Object.entries((value as Record<string, Json> | undefined) ?? {})) {
    out.set(key, { value: String(item.Value ?? ""), mediaType: String(item.MediaType ?? "") });
  }
  return out;
}

export function toRun(record: Json): Run {
  const status = (record.Status as Json | undefined) ?? {};
  const parameters = new Map<string, string | number>();
  for (const [key, value] of Object.entries(
    (record.Parameters as Record<string, Json> | undefined) ?? {},
  )) {
    const n = value.NumberValue;
    parameters.set(key, typeof n === "number" ? n : String(value.StringValue ?? n ?? ""));
  }
  const metrics = new Map<string, MetricSummary>();
  for (const m of (record.Metrics as Json[] | undefined) ?? []) {
    const values: Partial<Record<Stat, number>> = {};
    for (const stat of STATS) {
      const v = num(m[stat]);
      if (v !== undefined) values[stat] = v;
    }
    metrics.set(String(m.MetricName), { name: String(m.MetricName), values });
  }
  const source = (record.Source as Json | undefined) ?? {};
  return {
    name: String(record.TrialComponentName ?? ""),
    arn: String(record.TrialComponentArn ?? ""),
    displayName: String(record.DisplayName ?? record.TrialComponentName ?? ""),
    status: String(status.PrimaryStatus ?? ""),
    statusMessage: String(status.Message ?? ""),
    start: num(record.StartTime),
    end: num(record.EndTime),
    created: num(record.CreationTime),
    modified: num(record.LastModifiedTime),
    parameters,
    metrics,
    inputs: artifacts(record.InputArtifacts),
    outputs: artifacts(record.OutputArtifacts),
    parents: ((record.Parents as Json[] | undefined) ?? []).map((p) => ({
      trial: String(p.TrialName ?? ""),
      experiment: String(p.ExperimentName ?? ""),
    })),
    tags: ((record.Tags as Json[] | undefined) ?? []).map((t) => [
      String(t.Key ?? ""),
      String(t.Value ?? ""),
    ]),
    source: String(source.SourceArn ?? ""),
    record,
  };
}

/** Runs by name (Search, `TrialComponentName In a,b,c`), in the order asked. */
export async function runsByName(api: Api, names: string[], signal?: AbortSignal): Promise<Run[]> {
  const hits = await search(
    api,
    {
      resource: "ExperimentTrialComponent",
      filters: [{ Name: "TrialComponentName", Operator: "In", Value: names.join(",") }],
      maxResults: 100,
    },
    signal,
  );
  const runs = hits.items.map(toRun);
  const order = names.map((n) => n.toLowerCase());
  return runs
    .filter((r) => order.includes(r.name.toLowerCase()))
    .sort((a, b) => order.indexOf(a.name.toLowerCase()) - order.indexOf(b.name.toLowerCase()));
}

export interface Series {
  x: number[];
  y: number[];
  truncated: boolean;
}

export type XAxis = "step" | "time";

/** Every point of each (run, metric) as BatchGetMetrics groups them: one value per step (its
 * average, which is the value when a step was logged once), over the step or over the time of
 * the step's latest point. */
export async function metricSeries(
  api: Api,
  queries: { arn: string; metric: string }[],
  axis: XAxis,
  signal?: AbortSignal,
): Promise<Series[]> {
  const out: Series[] = [];
  for (let i = 0; i < queries.length; i += 20) {
    const batch = queries.slice(i, i + 20);
    const answer = await api.metrics<Json>(
      "BatchGetMetrics",
      {
        MetricQueries: batch.map((q) => ({
          MetricName: q.metric,
          ResourceArn: q.arn,
          MetricStat: "Avg",
          Period: "IterationNumber",
          XAxisType: axis === "step" ? "IterationNumber" : "Timestamp",
        })),
      },
      signal,
    );
    for (const result of (answer.MetricQueryResults as Json[] | undefined) ?? []) {
      out.push({
        x: ((result.XAxisValues as number[] | undefined) ?? []).map(Number),
        y: ((result.MetricValues as number[] | undefined) ?? []).map(Number),
        truncated: result.Status === "Truncated",
      });
    }
  }
  return out;
}

/** A parameter or metric value for a table cell. */
export function formatValue(value: string | number | undefined): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(4);
  return String(Number(value.toPrecision(6)));
}
