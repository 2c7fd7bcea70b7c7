// Lists of contexts, artifacts and actions: the List* filters (type, source URI, created
// range), sort and paging, all kept in the URL; plus a search by name, which pages through
// the filtered list and keeps the entries whose name (or ARN) contains the text.

import type { Json } from "../api";
import { field, h, select } from "../dom";
import {
  displayName,
  isArn,
  KINDS,
  summarize,
  type Kind,
  type KindName,
  type Summary,
} from "../entities";
import { localInputToEpoch, pluralize } from "../format";
import { entityHref, go, lineageHref, listHref } from "../router";
import { errorBox, heading, isAbort, loading, time } from "./common";
import type { SignedInContext } from "./view";

const PAGE_SIZES = ["10", "25", "50", "100"];
const SEARCH_PAGE = 100;
const SEARCH_MAX_PAGES = 60;

const COMMON_TYPES: Record<KindName, string[]> = {
  contexts: ["Endpoint", "ModelDeployment", "ModelGroup", "Project", "Pipeline"],
  artifacts: ["DataSet", "Model", "ModelData", "Image", "Checkpoint", "TensorBoard", "Approval"],
  actions: ["ProcessingJob", "TrainingJob", "TransformJob", "ModelDeployment", "Approval"],
};

interface Filters {
  q: string;
  type: string;
  source: string;
  after: string;
  before: string;
  sort: string;
  order: string;
  size: string;
}

function readFilters(kind: Kind, params: URLSearchParams): Filters {
  const sort = params.get("sort") ?? "";
  const size = params.get("size") ?? "";
  return {
    q: params.get("q") ?? "",
    type: params.get("type") ?? "",
    source: params.get("source") ?? "",
    after: params.get("after") ?? "",
    before: params.get("before") ?? "",
    sort: kind.sorts.some(([value]) => value === sort) ? sort : "CreationTime",
    order: params.get("order") === "Ascending" ? "Ascending" : "Descending",
    size: PAGE_SIZES.includes(size) ? size : "25",
  };
}

function filterParams(filters: Filters): Record<string, string | undefined> {
  return {
    q: filters.q,
    type: filters.type,
    source: filters.source,
    after: filters.after,
    before: filters.before,
    sort: filters.sort === "CreationTime" ? undefined : filters.sort,
    order: filters.order === "Descending" ? undefined : filters.order,
    size: filters.size === "25" ? undefined : filters.size,
  };
}

function request(kind: Kind, filters: Filters, maxResults: number): Json {
  const body: Json = { SortBy: filters.sort, SortOrder: filters.order, MaxResults: maxResults };
  if (filters.type) body[kind.typeKey] = filters.type;
  if (filters.source) body.SourceUri = filters.source;
  const after = localInputToEpoch(filters.after);
  const before = localInputToEpoch(filters.before);
  if (after !== undefined) body.CreatedAfter = after;
  if (before !== undefined) body.CreatedBefore = before;
  return body;
}

// The tokens of the pages seen for one set of filters, so "Previous" can go back.
const trails = new Map<string, string[]>();

interface Page {
  items: Summary[];
  next: string;
  scanned?: number;
}

async function fetchPage(
  ctx: SignedInContext,
  kind: Kind,
  filters: Filters,
  token: string,
): Promise<Page> {
  const size = Number(filters.size);
  if (!filters.q) {
    const body = request(kind, filters, size);
    if (token) body.NextToken = token;
    const page = await ctx.api.call<Json>(kind.listOp, body, ctx.signal);
    const items = ((page[kind.listKey] as Json[] | undefined) ?? []).map((i) => summarize(kind, i));
    return { items, next: String(page.NextToken ?? "") };
  }
  // Search: page through the filtered list until a page's worth of names match.
  const needle = filters.q.toLowerCase();
  const items: Summary[] = [];
  let next = token;
  let scanned = 0;
  for (let pages = 0; pages < SEARCH_MAX_PAGES; pages += 1) {
    const body = request(kind, filters, SEARCH_PAGE);
    if (next) body.NextToken = next;
    const page = await ctx.api.call<Json>(kind.listOp, body, ctx.signal);
    const batch = ((page[kind.listKey] as Json[] | undefined) ?? []).map((i) => summarize(kind, i));
    scanned += batch.length;
    for (const item of batch) {
      ctx.names.remember(item);
      const haystack = `${displayName(item)}\n${item.name}\n${item.arn}`.toLowerCase();
      if (haystack.includes(needle)) items.push(item);
    }
    next = String(page.NextToken ?? "");
    if (!next || items.length >= size) break;
  }
  return { items, next, scanned };
}

export async function renderList(ctx: SignedInContext, kindName: KindName): Promise<void> {
  const kind = KINDS[kindName];
  const title = `${kind.singular}s`;
  ctx.setTitle(title);
  const params = ctx.route.params;
  const filters = readFilters(kind, params);
  const token = params.get("token") ?? "";

  if (filters.q && isArn(filters.q)) {
    go(entityHref(filters.q.trim()), { replace: true });
    return;
  }

  const fingerprint = `${kind.name}:${JSON.stringify(filterParams(filters))}`;
  let trail = trails.get(fingerprint) ?? [""];
  let index = trail.indexOf(token);
  if (index < 0) {
    trail = ["", token];
    index = 1;
  }
  trails.set(fingerprint, trail);

  const results = h("div", { class: "results", "aria-live": "polite", "aria-busy": "true" });
  results.append(loading(`Loading ${kind.name}…`));
  ctx.main.append(
    heading(title, `The ${kind.name} recorded in ${ctx.api.region}.`),
    filterForm(kind, filters),
    results,
  );

  let page: Page;
  try {
    page = await fetchPage(ctx, kind, filters, token);
  } catch (error) {
    if (isAbort(error)) return;
    results.replaceChildren(errorBox(error, `Could not list ${kind.name}. `));
    results.setAttribute("aria-busy", "false");
    return;
  }
  for (const item of page.items) ctx.names.remember(item);

  const pageHref = (pageToken: string) =>
    listHref(kind.name, { ...filterParams(filters), token: pageToken || undefined });
  const summaryText = page.items.length
    ? `${pluralize(page.items.length, kind.singular.toLowerCase())} on page ${index + 1}` +
      (filters.q ? ` matching “${filters.q}”` : "") +
      (page.scanned !== undefined ? ` (searched ${page.scanned})` : "")
    : filters.q || filters.type || filters.source || filters.after || filters.before
      ? `No ${kind.name} match these filters.`
      : `No ${kind.name} yet.`;

  const previous = h(
    "a",
    { class: "button", href: index > 0 ? pageHref(trail[index - 1]) : null, rel: "prev" },
    "Previous",
  );
  if (index === 0) previous.setAttribute("aria-disabled", "true");
  const next = h(
    "a",
    { class: "button", href: page.next ? pageHref(page.next) : null, rel: "next" },
    "Next",
  );
  if (!page.next) next.setAttribute("aria-disabled", "true");
  if (page.next) {
    next.addEventListener("click", () => {
      trails.set(fingerprint, [...trail.slice(0, index + 1), page.next]);
    });
  }

  results.replaceChildren(
    h("p", { class: "count", id: "list-count" }, summaryText),
    page.items.length ? table(kind, page.items) : "",
    h("nav", { class: "pager", "aria-label": "Pages" }, previous, next),
  );
  results.setAttribute("aria-busy", "false");
  performance.mark("stemma:list-rendered");
}

function filterForm(kind: Kind, filters: Filters): HTMLElement {
  const typeList = `types-${kind.name}`;
  const q = h("input", { name: "q", type: "search", value: filters.q, spellcheck: "false" });
  const type = h("input", { name: "type", value: filters.type, list: typeList });
  const source = h("input", { name: "source", value: filters.source, spellcheck: "false" });
  const after = h("input", { name: "after", type: "datetime-local", value: filters.after });
  const before = h("input", { name: "before", type: "datetime-local", value: filters.before });
  const sort = select("sort", kind.sorts, filters.sort);
  const order = select(
    "order",
    [
      ["Descending", "Newest / Z–A first"],
      ["Ascending", "Oldest / A–Z first"],
    ],
    filters.order,
  );
  const size = select(
    "size",
    PAGE_SIZES.map((s) => [s, s]),
    filters.size,
  );
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": `Filter ${kind.name}` },
    field("Name contains", q),
    field(`${kind.singular} type`, type),
    h(
      "datalist",
      { id: typeList },
      ...COMMON_TYPES[kind.name].map((t) => h("option", { value: t })),
    ),
    field("Source URI (exact)", source),
    field("Created after", after),
    field("Created before", before),
    field("Sort by", sort),
    field("Order", order),
    field("Page size", size),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, "Apply"),
      h("a", { class: "button", href: listHref(kind.name) }, "Reset"),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next: Filters = {
      q: q.value.trim(),
      type: type.value.trim(),
      source: source.value.trim(),
      after: after.value,
      before: before.value,
      sort: sort.value,
      order: order.value,
      size: size.value,
    };
    go(listHref(kind.name, filterParams(next)));
  });
  return form;
}

function table(kind: Kind, items: Summary[]): HTMLElement {
  const hasStatus = kind.name === "actions";
  const head = h(
    "tr",
    {},
    h("th", { scope: "col" }, "Name"),
    h("th", { scope: "col" }, "Type"),
    h("th", { scope: "col" }, "Source URI"),
    hasStatus ? h("th", { scope: "col" }, "Status") : null,
    h("th", { scope: "col" }, "Created"),
    h("th", { scope: "col" }, "Last modified"),
    h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Lineage")),
  );
  const rows = items.map((item) =>
    h(
      "tr",
      {},
      h(
        "th",
        { scope: "row" },
        h("a", { href: entityHref(item.arn) }, displayName(item)),
        item.name ? "" : h("span", { class: "muted" }, " (unnamed)"),
      ),
      h("td", {}, item.type),
      h("td", { class: "uri" }, item.sourceUri),
      hasStatus ? h("td", {}, item.status ?? "") : null,
      h("td", {}, time(item.created)),
      h("td", {}, time(item.modified)),
      h(
        "td",
        {},
        h(
          "a",
          { href: lineageHref(item.arn), "aria-label": `Lineage graph of ${displayName(item)}` },
          "Graph",
        ),
      ),
    ),
  );
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "list" },
      h("caption", { class: "visually-hidden" }, `${kind.singular}s`),
      h("thead", {}, head),
      h("tbody", {}, rows),
    ),
  );
}
