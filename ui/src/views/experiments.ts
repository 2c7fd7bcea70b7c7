// Experiments and their runs, all through Search: the experiments list (name search, sort,
// pages), an experiment (its trials and its runs), a trial (its runs). The runs table has a row
// per run (trial component) and a column per parameter and per metric statistic; columns are
// chosen, sorted (Search's SortBy) and filtered (Search's filters) with everything in the URL,
// and it pages with Search's NextToken, so it holds thousands of runs.

import type { Json } from "../api";
import { field, h, select, uid } from "../dom";
import { formatValue, type Hits, type Run, search, STATS, type Stat, toRun } from "../experiments";
import { pluralize } from "../format";
import { compareHref, experimentHref, experimentsHref, go, runHref, trialHref } from "../router";
import { errorBox, fields, heading, isAbort, loading, time } from "./common";
import type { SignedInContext } from "./view";

const PAGE_SIZES = ["10", "25", "50", "100"];
// The tokens of the pages seen for one query, so "Previous" can go back.
const trails = new Map<string, string[]>();

/** Previous/Next links over Search's NextToken, remembering the tokens already seen. */
function pager(
  fingerprint: string,
  token: string,
  next: string,
  href: (token: string) => string,
): { nav: HTMLElement; index: number } {
  let trail = trails.get(fingerprint) ?? [""];
  let index = trail.indexOf(token);
  if (index < 0) {
    trail = ["", token];
    index = 1;
  }
  trails.set(fingerprint, trail);
  const previous = h(
    "a",
    { class: "button", href: index > 0 ? href(trail[index - 1]) : null, rel: "prev" },
    "Previous",
  );
  if (index === 0) previous.setAttribute("aria-disabled", "true");
  const nextLink = h("a", { class: "button", href: next ? href(next) : null, rel: "next" }, "Next");
  if (!next) nextLink.setAttribute("aria-disabled", "true");
  else {
    nextLink.addEventListener("click", () => {
      trails.set(fingerprint, [...trail.slice(0, index + 1), next]);
    });
  }
  return { nav: h("nav", { class: "pager", "aria-label": "Pages" }, previous, nextLink), index };
}

function totalText(total: string, one: string, many: string): string {
  return total.endsWith("+")
    ? `${total.slice(0, -1)} or more ${many}`
    : pluralize(Number(total), one, many);
}

// -- The experiments list -------------------------------------------------------------------

const EXPERIMENT_SORTS: [string, string][] = [
  ["CreationTime", "Creation time"],
  ["LastModifiedTime", "Last modified"],
  ["ExperimentName", "Name"],
];

export async function renderExperiments(ctx: SignedInContext): Promise<void> {
  ctx.setTitle("Experiments");
  const params = ctx.route.params;
  const q = params.get("q") ?? "";
  const sortParam = params.get("sort") ?? "";
  const sort = EXPERIMENT_SORTS.some(([v]) => v === sortParam) ? sortParam : "CreationTime";
  const order = params.get("order") === "Ascending" ? "Ascending" : "Descending";
  const sizeParam = params.get("size") ?? "";
  const size = PAGE_SIZES.includes(sizeParam) ? sizeParam : "25";
  const token = params.get("token") ?? "";
  const state = {
    q,
    sort: sort === "CreationTime" ? undefined : sort,
    order: order === "Descending" ? undefined : order,
    size: size === "25" ? undefined : size,
  };

  const qInput = h("input", { name: "q", type: "search", value: q, spellcheck: "false" });
  const sortSelect = select("sort", EXPERIMENT_SORTS, sort);
  const orderSelect = select(
    "order",
    [
      ["Descending", "Newest / Z–A first"],
      ["Ascending", "Oldest / A–Z first"],
    ],
    order,
  );
  const sizeSelect = select(
    "size",
    PAGE_SIZES.map((s) => [s, s]),
    size,
  );
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter experiments" },
    field("Name contains", qInput),
    field("Sort by", sortSelect),
    field("Order", orderSelect),
    field("Page size", sizeSelect),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, "Apply"),
      h("a", { class: "button", href: experimentsHref() }, "Reset"),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    go(
      experimentsHref({
        q: qInput.value.trim(),
        sort: sortSelect.value === "CreationTime" ? undefined : sortSelect.value,
        order: orderSelect.value === "Descending" ? undefined : orderSelect.value,
        size: sizeSelect.value === "25" ? undefined : sizeSelect.value,
      }),
    );
  });
  const results = h("div", { class: "results", "aria-live": "polite", "aria-busy": "true" });
  results.append(loading("Loading experiments…"));
  ctx.main.append(
    heading("Experiments", `The experiments recorded in ${ctx.api.region}.`),
    form,
    results,
  );

  let hits: Hits<Json>;
  try {
    hits = await search(
      ctx.api,
      {
        resource: "Experiment",
        filters: q ? [{ Name: "ExperimentName", Operator: "Contains", Value: q }] : [],
        sortBy: sort,
        sortOrder: order,
        maxResults: Number(size),
        token,
      },
      ctx.signal,
    );
  } catch (error) {
    if (isAbort(error)) return;
    results.replaceChildren(errorBox(error, "Could not search the experiments. "));
    results.setAttribute("aria-busy", "false");
    return;
  }
  const { nav, index } = pager(`experiments:${JSON.stringify(state)}`, token, hits.next, (t) =>
    experimentsHref({ ...state, token: t || undefined }),
  );
  const count = hits.items.length
    ? `${totalText(hits.total, "experiment", "experiments")}${q ? ` matching “${q}”` : ""}; page ${index + 1}.`
    : q
      ? `No experiments match “${q}”.`
      : "No experiments yet.";
  const rows = hits.items.map((e) => {
    const name = String(e.ExperimentName ?? "");
    return h(
      "tr",
      {},
      h("th", { scope: "row" }, h("a", { href: experimentHref(name) }, name)),
      h("td", {}, String(e.DisplayName ?? "") === name ? "" : String(e.DisplayName ?? "")),
      h("td", {}, String(e.Description ?? "")),
      h("td", {}, time(e.CreationTime as number | undefined)),
      h("td", {}, time(e.LastModifiedTime as number | undefined)),
    );
  });
  results.replaceChildren(
    h("p", { class: "count", id: "list-count" }, count),
    rows.length
      ? h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { class: "list" },
            h("caption", { class: "visually-hidden" }, "Experiments"),
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ...["Name", "Display name", "Description", "Created", "Last modified"].map((c) =>
                  h("th", { scope: "col" }, c),
                ),
              ),
            ),
            h("tbody", {}, rows),
          ),
        )
      : "",
    nav,
  );
  results.setAttribute("aria-busy", "false");
}

// -- One experiment, one trial ----------------------------------------------------------------

export async function renderExperiment(ctx: SignedInContext, name: string): Promise<void> {
  ctx.setTitle(name);
  const status = loading("Loading the experiment…");
  ctx.main.append(status);
  let experiment: Json | undefined;
  let trials: Hits<Json>;
  try {
    [experiment, trials] = await Promise.all([
      search(
        ctx.api,
        {
          resource: "Experiment",
          filters: [{ Name: "ExperimentName", Operator: "Equals", Value: name }],
          maxResults: 1,
        },
        ctx.signal,
      ).then((hits) => hits.items[0]),
      search(
        ctx.api,
        {
          resource: "ExperimentTrial",
          filters: [{ Name: "ExperimentName", Operator: "Equals", Value: name }],
          sortBy: "CreationTime",
          sortOrder: "Ascending",
          maxResults: 100,
        },
        ctx.signal,
      ),
    ]);
  } catch (error) {
    if (isAbort(error)) return;
    status.replaceWith(heading(name), errorBox(error, "Could not load the experiment. "));
    return;
  }
  status.remove();
  if (!experiment) {
    ctx.main.append(
      heading("Experiment not found"),
      h("p", { class: "error", role: "alert" }, `There is no experiment named ${name}.`),
    );
    return;
  }
  const realName = String(experiment.ExperimentName ?? name);
  ctx.setTitle(realName);
  const trialRows = trials.items.map((t) => {
    const trialName = String(t.TrialName ?? "");
    const members = ((t.TrialComponentSummaries as Json[] | undefined) ?? []).length;
    return h(
      "tr",
      {},
      h("th", { scope: "row" }, h("a", { href: trialHref(trialName) }, trialName)),
      h("td", { class: "num" }, String(members)),
      h("td", {}, time(t.CreationTime as number | undefined)),
    );
  });
  ctx.main.append(
    h(
      "nav",
      { class: "crumbs", "aria-label": "Breadcrumb" },
      h("a", { href: experimentsHref() }, "Experiments"),
      " / ",
      h("span", { "aria-current": "page" }, realName),
    ),
    heading(realName, "Experiment"),
    fields([
      ["Display name", String(experiment.DisplayName ?? "")],
      ["Description", String(experiment.Description ?? "")],
      ["ARN", h("code", {}, String(experiment.ExperimentArn ?? ""))],
      ["Created", time(experiment.CreationTime as number | undefined)],
      ["Last modified", time(experiment.LastModifiedTime as number | undefined)],
    ]),
    h(
      "section",
      { "aria-labelledby": "trials-title" },
      h(
        "h2",
        { id: "trials-title" },
        `Trials (${trials.total.endsWith("+") ? trials.total : trialRows.length})`,
      ),
      trialRows.length
        ? h(
            "div",
            { class: "table-wrap" },
            h(
              "table",
              { class: "list compact" },
              h("caption", { class: "visually-hidden" }, "Trials"),
              h(
                "thead",
                {},
                h(
                  "tr",
                  {},
                  h("th", { scope: "col" }, "Trial"),
                  h("th", { scope: "col" }, "Runs"),
                  h("th", { scope: "col" }, "Created"),
                ),
              ),
              h("tbody", {}, trialRows),
            ),
          )
        : h("p", { class: "muted" }, "No trials."),
    ),
  );
  await runsTable(ctx, { kind: "experiment", name: realName });
}

export async function renderTrial(ctx: SignedInContext, name: string): Promise<void> {
  ctx.setTitle(name);
  const status = loading("Loading the trial…");
  ctx.main.append(status);
  let trial: Json | undefined;
  try {
    trial = (
      await search(
        ctx.api,
        {
          resource: "ExperimentTrial",
          filters: [{ Name: "TrialName", Operator: "Equals", Value: name }],
          maxResults: 1,
        },
        ctx.signal,
      )
    ).items[0];
  } catch (error) {
    if (isAbort(error)) return;
    status.replaceWith(heading(name), errorBox(error, "Could not load the trial. "));
    return;
  }
  status.remove();
  if (!trial) {
    ctx.main.append(
      heading("Trial not found"),
      h("p", { class: "error", role: "alert" }, `There is no trial named ${name}.`),
    );
    return;
  }
  const realName = String(trial.TrialName ?? name);
  const experiment = String(trial.ExperimentName ?? "");
  ctx.setTitle(realName);
  ctx.main.append(
    h(
      "nav",
      { class: "crumbs", "aria-label": "Breadcrumb" },
      h("a", { href: experimentsHref() }, "Experiments"),
      " / ",
      h("a", { href: experimentHref(experiment) }, experiment),
      " / ",
      h("span", { "aria-current": "page" }, realName),
    ),
    heading(realName, "Trial"),
    fields([
      ["Experiment", h("a", { href: experimentHref(experiment) }, experiment)],
      ["Display name", String(trial.DisplayName ?? "")],
      ["ARN", h("code", {}, String(trial.TrialArn ?? ""))],
      ["Created", time(trial.CreationTime as number | undefined)],
    ]),
  );
  await runsTable(ctx, { kind: "trial", name: realName });
}

// -- The runs table ---------------------------------------------------------------------------

interface Scope {
  kind: "experiment" | "trial";
  name: string;
}

interface Column {
  id: string;
  label: string;
  /** The Search property it sorts and filters by. */
  property: string;
  group: "run" | "parameter" | "metric";
  numeric: boolean;
  value(run: Run): Node | string;
  raw(run: Run): string | number | undefined;
}

const OPERATORS: [string, string][] = [
  ["Equals", "="],
  ["NotEquals", "≠"],
  ["GreaterThan", ">"],
  ["GreaterThanOrEqualTo", "≥"],
  ["LessThan", "<"],
  ["LessThanOrEqualTo", "≤"],
  ["Contains", "contains"],
  ["Exists", "exists"],
  ["NotExists", "does not exist"],
];
const DEFAULT_STATS: Stat[] = ["Last", "Min", "Max"];
const selections = new Map<string, Set<string>>();
// The column chooser stays open across the re-renders its checkboxes cause.
let chooserOpen = false;

interface TableState {
  sort: string;
  order: "Ascending" | "Descending";
  size: string;
  stats: Stat[];
  hide: Set<string>;
  filters: { property: string; operator: string; value: string }[];
  token: string;
}

function readTable(params: URLSearchParams): TableState {
  const size = params.get("size") ?? "";
  const stats = (params.get("stats") ?? "")
    .split(",")
    .filter((s): s is Stat => (STATS as readonly string[]).includes(s));
  return {
    sort: params.get("sort") ?? "",
    order: params.get("order") === "Ascending" ? "Ascending" : "Descending",
    size: PAGE_SIZES.includes(size) ? size : "25",
    stats: params.has("stats") ? stats : DEFAULT_STATS,
    hide: new Set((params.get("hide") ?? "").split(",").filter(Boolean)),
    filters: params.getAll("f").flatMap((f) => {
      const [property, operator, ...rest] = f.split("~");
      return property && OPERATORS.some(([o]) => o === operator)
        ? [{ property, operator, value: rest.join("~") }]
        : [];
    }),
    token: params.get("token") ?? "",
  };
}

function tableParams(s: TableState, token = ""): URLSearchParams {
  const p = new URLSearchParams();
  if (s.sort) p.set("sort", s.sort);
  if (s.order === "Ascending") p.set("order", "Ascending");
  if (s.size !== "25") p.set("size", s.size);
  if (s.stats.join(",") !== DEFAULT_STATS.join(",")) p.set("stats", s.stats.join(",") || "none");
  if (s.hide.size) p.set("hide", [...s.hide].join(","));
  for (const f of s.filters) p.append("f", `${f.property}~${f.operator}~${f.value}`);
  if (token) p.set("token", token);
  return p;
}

function statusBadge(status: string): HTMLElement | string {
  return status ? h("span", { class: `badge st-${status.toLowerCase()}` }, status) : "";
}

function baseColumns(): Column[] {
  return [
    {
      id: "status",
      label: "Status",
      property: "Status.PrimaryStatus",
      group: "run",
      numeric: false,
      value: (r) => statusBadge(r.status),
      raw: (r) => r.status,
    },
    {
      id: "start",
      label: "Start",
      property: "StartTime",
      group: "run",
      numeric: true,
      value: (r) => time(r.start),
      raw: (r) => r.start,
    },
    {
      id: "end",
      label: "End",
      property: "EndTime",
      group: "run",
      numeric: true,
      value: (r) => time(r.end),
      raw: (r) => r.end,
    },
  ];
}

function dataColumns(runs: Run[], state: TableState): Column[] {
  const parameters = new Set<string>();
  const metrics = new Set<string>();
  for (const run of runs) {
    for (const key of run.parameters.keys()) parameters.add(key);
    for (const key of run.metrics.keys()) metrics.add(key);
  }
  // Columns that the sort or a filter names stay, even when this page has no value for them.
  for (const property of [state.sort, ...state.filters.map((f) => f.property)]) {
    if (property.startsWith("Parameters.")) parameters.add(property.slice(11));
    const metric = /^Metrics\.(.+)\.([A-Za-z]+)$/.exec(property);
    if (metric) metrics.add(metric[1]);
  }
  const columns: Column[] = [];
  for (const key of [...parameters].sort()) {
    columns.push({
      id: `p:${key}`,
      label: key,
      property: `Parameters.${key}`,
      group: "parameter",
      numeric: runs.some((r) => typeof r.parameters.get(key) === "number"),
      value: (r) => formatValue(r.parameters.get(key)),
      raw: (r) => r.parameters.get(key),
    });
  }
  for (const name of [...metrics].sort()) {
    for (const stat of state.stats) {
      columns.push({
        id: `m:${name}:${stat}`,
        label: `${name} ${stat}`,
        property: `Metrics.${name}.${stat}`,
        group: "metric",
        numeric: true,
        value: (r) => formatValue(r.metrics.get(name)?.values[stat]),
        raw: (r) => r.metrics.get(name)?.values[stat],
      });
    }
  }
  return columns;
}

export async function runsTable(ctx: SignedInContext, scope: Scope): Promise<void> {
  const state = readTable(ctx.route.params);
  const hrefFor = (s: TableState, token = "") =>
    scope.kind === "experiment"
      ? experimentHref(scope.name, tableParams(s, token))
      : trialHref(scope.name, tableParams(s, token));
  const section = h("section", { class: "runs", "aria-labelledby": "runs-title" });
  const title = h("h2", { id: "runs-title" }, "Runs");
  const results = h("div", { class: "results", "aria-live": "polite", "aria-busy": "true" });
  results.append(loading("Loading runs…"));
  section.append(title, results);
  ctx.main.append(section);

  const scopeFilter = {
    Name: scope.kind === "experiment" ? "Parents.ExperimentName" : "Parents.TrialName",
    Operator: "Equals",
    Value: scope.name,
  };
  let hits: Hits<Json>;
  try {
    hits = await search(
      ctx.api,
      {
        resource: "ExperimentTrialComponent",
        filters: [
          scopeFilter,
          ...state.filters.map((f) =>
            f.operator === "Exists" || f.operator === "NotExists"
              ? { Name: f.property, Operator: f.operator }
              : { Name: f.property, Operator: f.operator, Value: f.value },
          ),
        ],
        sortBy: state.sort || "CreationTime",
        sortOrder: state.sort ? state.order : "Ascending",
        maxResults: Number(state.size),
        token: state.token,
      },
      ctx.signal,
    );
  } catch (error) {
    if (isAbort(error)) return;
    results.replaceChildren(
      filterBar(state, [], hrefFor),
      errorBox(error, "Could not search the runs. "),
    );
    results.setAttribute("aria-busy", "false");
    return;
  }
  const runs = hits.items.map(toRun);
  const all = [...baseColumns(), ...dataColumns(runs, state)];
  const shown = all.filter((c) => !state.hide.has(c.id));
  const { nav, index } = pager(
    `runs:${scope.kind}:${scope.name}:${tableParams(state).toString()}`,
    state.token,
    hits.next,
    (t) => hrefFor({ ...state }, t),
  );
  title.textContent = `Runs (${hits.total.endsWith("+") ? `${hits.total.slice(0, -1)} or more` : hits.total})`;

  const selectionKey = `${scope.kind}:${scope.name}`;
  const chosen = selections.get(selectionKey) ?? new Set<string>();
  selections.set(selectionKey, chosen);
  const compare = h("a", { class: "button primary", id: "compare-link" }, "Compare");
  const compareHint = h("span", { class: "hint", id: "compare-hint" });
  const updateCompare = () => {
    const n = chosen.size;
    compare.textContent = `Compare selected (${n})`;
    if (n >= 2 && n <= 5) {
      compare.setAttribute("href", compareHref([...chosen]));
      compare.removeAttribute("aria-disabled");
      compareHint.textContent = "";
    } else {
      compare.removeAttribute("href");
      compare.setAttribute("aria-disabled", "true");
      compareHint.textContent =
        n > 5 ? "Choose at most five runs." : "Choose two to five runs to compare.";
    }
  };
  updateCompare();

  const sortHeader = (column: Column | null) => {
    const property = column ? column.property : "TrialComponentName";
    const label = column ? column.label : "Run";
    const active = state.sort.toLowerCase() === property.toLowerCase();
    const nextOrder = active && state.order === "Descending" ? "Ascending" : "Descending";
    const link = h(
      "a",
      {
        href: hrefFor({ ...state, sort: property, order: active ? nextOrder : "Descending" }),
        "aria-label": `Sort by ${label}${active ? `, now ${state.order.toLowerCase()}` : ""}`,
      },
      label,
      active ? h("span", { "aria-hidden": "true" }, state.order === "Ascending" ? " ▲" : " ▼") : "",
    );
    return h(
      "th",
      {
        scope: "col",
        class: column ? `col-${column.group}${column.numeric ? " num" : ""}` : "",
        "aria-sort": active ? state.order.toLowerCase() : null,
      },
      link,
    );
  };

  const head = h(
    "tr",
    {},
    h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Select")),
    sortHeader(null),
    ...shown.map((c) => sortHeader(c)),
  );
  const body = runs.map((run) => {
    const box = h("input", {
      type: "checkbox",
      checked: chosen.has(run.name),
      "aria-label": `Select ${run.name} for comparison`,
    });
    box.addEventListener("change", () => {
      if (box.checked) chosen.add(run.name);
      else chosen.delete(run.name);
      updateCompare();
    });
    return h(
      "tr",
      {},
      h("td", {}, box),
      h(
        "th",
        { scope: "row" },
        h("a", { href: runHref(run.name) }, run.name),
        run.displayName && run.displayName !== run.name
          ? h("span", { class: "muted" }, ` ${run.displayName}`)
          : "",
      ),
      ...shown.map((c) =>
        h("td", { class: `col-${c.group}${c.numeric ? " num" : ""}` }, c.value(run)),
      ),
    );
  });
  const count = runs.length
    ? `${totalText(hits.total, "run", "runs")}${state.filters.length ? " match the filters" : ""}; page ${index + 1}.`
    : state.filters.length
      ? "No runs match these filters."
      : "No runs yet.";

  results.replaceChildren(
    filterBar(state, all, hrefFor),
    columnChooser(state, all, hrefFor),
    h("p", { class: "count", id: "runs-count" }, count),
    h("div", { class: "compare-bar" }, compare, compareHint),
    runs.length
      ? h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { class: "list runs-table" },
            h("caption", { class: "visually-hidden" }, "Runs"),
            h("thead", {}, head),
            h("tbody", {}, body),
          ),
        )
      : "",
    nav,
  );
  results.setAttribute("aria-busy", "false");
  performance.mark("stemma:runs-rendered");
}

function filterBar(
  state: TableState,
  columns: Column[],
  hrefFor: (s: TableState, token?: string) => string,
): HTMLElement {
  const properties: [string, string][] = [
    ["TrialComponentName", "Run name"],
    ...columns.map((c): [string, string] => [c.property, c.label]),
  ];
  const property = select("property", properties, properties[0][0]);
  const operator = select("operator", OPERATORS, "Equals");
  const value = h("input", { name: "value", spellcheck: "false" });
  const size = select(
    "size",
    PAGE_SIZES.map((s) => [s, s]),
    state.size,
  );
  const active = state.filters.map((f, i) =>
    h(
      "li",
      {},
      h(
        "span",
        {},
        `${f.property} ${OPERATORS.find(([o]) => o === f.operator)?.[1] ?? f.operator} ${f.value}`,
      ),
      " ",
      h(
        "a",
        {
          href: hrefFor({ ...state, filters: state.filters.filter((_, j) => j !== i) }),
          "aria-label": `Remove the filter on ${f.property}`,
        },
        "Remove",
      ),
    ),
  );
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter runs" },
    field("Filter on", property),
    field("Operator", operator),
    field("Value", value),
    field("Runs per page", size),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Add filter")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const filters = [...state.filters];
    const v = value.value.trim();
    if (v || operator.value === "Exists" || operator.value === "NotExists") {
      filters.push({ property: property.value, operator: operator.value, value: v });
    }
    go(hrefFor({ ...state, filters, size: size.value }));
  });
  return h(
    "div",
    { class: "run-filters" },
    form,
    active.length ? h("ul", { class: "chips", "aria-label": "Active filters" }, active) : "",
  );
}

function columnChooser(
  state: TableState,
  columns: Column[],
  hrefFor: (s: TableState, token?: string) => string,
): HTMLElement {
  const box = (label: string, checked: boolean, onChange: (checked: boolean) => void) => {
    const input = h("input", { type: "checkbox", checked, id: uid("col") });
    input.addEventListener("change", () => onChange(input.checked));
    return h("li", {}, input, h("label", { for: input.id }, label));
  };
  const toggle = (id: string, visible: boolean) => {
    const hide = new Set(state.hide);
    if (visible) hide.delete(id);
    else hide.add(id);
    go(hrefFor({ ...state, hide }), { replace: true });
  };
  const metricsShown = columns.some((c) => c.group === "metric") || state.stats.length === 0;
  const groups: [string, Column["group"]][] = [
    ["Run", "run"],
    ["Parameters", "parameter"],
    ["Metrics", "metric"],
  ];
  const details = h(
    "details",
    { class: "columns", open: chooserOpen },
    h("summary", {}, "Columns"),
    ...groups.map(([legend, group]) => {
      const members = columns.filter((c) => c.group === group);
      if (!members.length) return "";
      return h(
        "fieldset",
        {},
        h("legend", {}, legend),
        h(
          "ul",
          {},
          members.map((c) => box(c.label, !state.hide.has(c.id), (on) => toggle(c.id, on))),
        ),
      );
    }),
    metricsShown
      ? h(
          "fieldset",
          {},
          h("legend", {}, "Metric statistics"),
          h(
            "ul",
            {},
            STATS.map((stat) =>
              box(stat, state.stats.includes(stat), (on) => {
                const stats = STATS.filter((s) => (s === stat ? on : state.stats.includes(s)));
                go(hrefFor({ ...state, stats }), { replace: true });
              }),
            ),
          ),
        )
      : "",
  );
  details.addEventListener("toggle", () => {
    chooserOpen = details.open;
  });
  return details;
}
