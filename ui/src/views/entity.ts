// One entity: every field Describe* returns, its properties, its tags (ListTags) and the
// associations into and out of it (ListAssociations by destination and by source).

import { ApiError, type Json } from "../api";
import { h } from "../dom";
import { arnRegion, arnResource, displayName, kindOfArn, summarize, type Kind } from "../entities";
import { pluralize } from "../format";
import { entityHref, lineageHref, listHref } from "../router";
import { errorBox, fields, heading, isAbort, loading, time } from "./common";
import type { SignedInContext } from "./view";

const ASSOCIATION_PAGE = 50;

/** Describe* members shown in the main field list, in this order; the rest follow. */
const KNOWN = [
  "Name",
  "Arn",
  "Type",
  "Status",
  "Description",
  "Source",
  "CreationTime",
  "CreatedBy",
  "LastModifiedTime",
  "LastModifiedBy",
  "LineageGroupArn",
  "MetadataProperties",
  "Properties",
];

export async function renderEntity(ctx: SignedInContext, arn: string): Promise<void> {
  const kind = kindOfArn(arn);
  ctx.setTitle("Details");
  if (!kind) {
    ctx.main.append(
      heading("Not a lineage entity"),
      h("p", { class: "error", role: "alert" }, `${arn} is not a context, artifact or action ARN.`),
    );
    return;
  }
  const status = loading(`Loading ${kind.singular.toLowerCase()}…`);
  ctx.main.append(status);
  let described: Json;
  try {
    described = await ctx.api.call<Json>(kind.describeOp, { [kind.describeKey]: arn }, ctx.signal);
  } catch (error) {
    if (isAbort(error)) return;
    status.remove();
    ctx.main.append(heading(`${kind.singular} not found`), errorBox(error));
    const region = arnRegion(arn);
    if (error instanceof ApiError && region && region !== ctx.api.region) {
      ctx.main.append(
        h(
          "p",
          {},
          `This ARN is in ${region}, and you are signed in to ${ctx.api.region}. `,
          h(
            "button",
            { type: "button", onclick: () => ctx.switchRegion(region) },
            `Switch to ${region}`,
          ),
        ),
      );
    }
    return;
  }
  const summary = summarize(kind, described);
  ctx.names.remember(summary);
  const name = displayName(summary);
  ctx.setTitle(name);
  status.remove();

  const tags = h("section", { "aria-labelledby": "tags-title" });
  const incoming = h("section", { "aria-labelledby": "in-title" });
  const outgoing = h("section", { "aria-labelledby": "out-title" });
  ctx.main.append(
    h(
      "nav",
      { class: "crumbs", "aria-label": "Breadcrumb" },
      h("a", { href: listHref(kind.name) }, `${kind.singular}s`),
      " / ",
      h("span", { "aria-current": "page" }, name),
    ),
    heading(name, `${kind.singular} · ${summary.type}`),
    h(
      "div",
      { class: "toolbar" },
      h("a", { class: "button primary", href: lineageHref(summary.arn) }, "Open lineage graph"),
    ),
    h(
      "div",
      { class: "detail-grid" },
      h(
        "section",
        { "aria-labelledby": "fields-title" },
        h("h2", { id: "fields-title" }, "Fields"),
        fieldList(kind, described),
      ),
      h(
        "section",
        { "aria-labelledby": "props-title" },
        h("h2", { id: "props-title" }, "Properties"),
        keyValueTable(described.Properties as Record<string, string> | undefined, "Properties"),
      ),
      tags,
    ),
    incoming,
    outgoing,
    h(
      "details",
      { class: "raw" },
      h("summary", {}, `Raw ${kind.describeOp} response`),
      h("pre", {}, JSON.stringify(described, null, 2)),
    ),
  );

  await Promise.all([
    renderTags(ctx, summary.arn, tags),
    renderAssociations(ctx, summary.arn, "in", incoming),
    renderAssociations(ctx, summary.arn, "out", outgoing),
  ]);
}

function fieldList(kind: Kind, described: Json): HTMLElement {
  const source = (described.Source as Json | undefined) ?? {};
  const sourceTypes = (source.SourceTypes as Json[] | undefined) ?? [];
  const metadata = (described.MetadataProperties as Record<string, string> | undefined) ?? {};
  const rows: [string, Node | string | undefined][] = [
    ["Name", stringOf(described[kind.nameKey]) || (kind.name === "artifacts" ? "(none)" : "")],
    ["ARN", h("code", {}, String(described[kind.arnKey] ?? ""))],
    ["Type", stringOf(described[kind.typeKey])],
    ["Status", stringOf(described.Status)],
    ["Description", stringOf(described.Description)],
    ["Source URI", h("code", {}, stringOf(source.SourceUri))],
    ["Source type", stringOf(source.SourceType)],
    ["Source ID", stringOf(source.SourceId)],
    [
      "Source types",
      sourceTypes.length
        ? h(
            "ul",
            { class: "plain" },
            sourceTypes.map((t) =>
              h("li", {}, `${stringOf(t.SourceIdType)}: ${stringOf(t.Value)}`),
            ),
          )
        : undefined,
    ],
    ["Created", time(numberOf(described.CreationTime))],
    ["Created by", identity(described.CreatedBy)],
    ["Last modified", time(numberOf(described.LastModifiedTime))],
    ["Last modified by", identity(described.LastModifiedBy)],
    ["Lineage group", h("code", {}, stringOf(described.LineageGroupArn))],
    ...Object.entries(metadata).map(([key, value]): [string, string] => [
      `Metadata: ${key}`,
      String(value),
    ]),
  ];
  // Anything else the server returns is shown too, so no field is hidden.
  const used = new Set([...KNOWN, kind.nameKey, kind.arnKey, kind.typeKey, "ResponseMetadata"]);
  for (const [key, value] of Object.entries(described)) {
    if (used.has(key)) continue;
    rows.push([key, typeof value === "string" ? value : JSON.stringify(value)]);
  }
  return fields(rows.map(([label, value]) => [label, isEmptyNode(value) ? undefined : value]));
}

function isEmptyNode(value: Node | string | undefined): boolean {
  return value instanceof Node ? value.textContent === "" : !value;
}

function identity(value: unknown): string {
  if (!value || typeof value !== "object") return "—";
  const entries = Object.entries(value as Json).filter(([, v]) => v !== undefined && v !== null);
  if (entries.length === 0) return "—";
  return entries
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(", ");
}

function stringOf(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function numberOf(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

function keyValueTable(
  values: Record<string, string> | { Key: string; Value: string }[] | undefined,
  caption: string,
): HTMLElement {
  const pairs = Array.isArray(values)
    ? values.map((t): [string, string] => [t.Key, t.Value])
    : Object.entries(values ?? {});
  if (pairs.length === 0) return h("p", { class: "muted" }, `No ${caption.toLowerCase()}.`);
  return h(
    "table",
    { class: "kv" },
    h("caption", { class: "visually-hidden" }, caption),
    h(
      "thead",
      {},
      h("tr", {}, h("th", { scope: "col" }, "Key"), h("th", { scope: "col" }, "Value")),
    ),
    h(
      "tbody",
      {},
      pairs.map(([key, value]) => h("tr", {}, h("th", { scope: "row" }, key), h("td", {}, value))),
    ),
  );
}

async function renderTags(ctx: SignedInContext, arn: string, section: HTMLElement): Promise<void> {
  section.append(h("h2", { id: "tags-title" }, "Tags"), loading("Loading tags…"));
  try {
    const { items } = await ctx.api.all<{ Key: string; Value: string }>(
      "ListTags",
      "Tags",
      { ResourceArn: arn },
      ctx.signal,
    );
    section.lastElementChild?.replaceWith(keyValueTable(items, "Tags"));
  } catch (error) {
    if (isAbort(error)) return;
    section.lastElementChild?.replaceWith(errorBox(error, "Could not list tags. "));
  }
}

async function renderAssociations(
  ctx: SignedInContext,
  arn: string,
  direction: "in" | "out",
  section: HTMLElement,
): Promise<void> {
  const incoming = direction === "in";
  const titleText = incoming ? "Associations in" : "Associations out";
  const title = h("h2", { id: `${direction}-title` }, titleText);
  const explain = h(
    "p",
    { class: "sub" },
    incoming
      ? "Entities this one comes from (it is the destination)."
      : "Entities that come from this one (it is the source).",
  );
  const body = h("tbody", {});
  const more = h("button", { type: "button", hidden: true }, "Load more");
  const holder = h("div", {}, loading("Loading associations…"));
  section.append(title, explain, holder);
  let token = "";
  let count = 0;

  const load = async () => {
    more.disabled = true;
    const request: Json = {
      [incoming ? "DestinationArn" : "SourceArn"]: arn,
      SortBy: "CreationTime",
      SortOrder: "Ascending",
      MaxResults: ASSOCIATION_PAGE,
    };
    if (token) request.NextToken = token;
    const page = await ctx.api.call<Json>("ListAssociations", request, ctx.signal);
    const summaries = (page.AssociationSummaries as Json[] | undefined) ?? [];
    for (const a of summaries) body.append(associationRow(ctx, a, incoming));
    count += summaries.length;
    token = String(page.NextToken ?? "");
    more.hidden = !token;
    more.disabled = false;
    title.textContent = `${titleText} (${count}${token ? "+" : ""})`;
  };

  try {
    await load();
  } catch (error) {
    if (isAbort(error)) return;
    holder.replaceChildren(errorBox(error, "Could not list associations. "));
    return;
  }
  more.addEventListener("click", () => {
    load().catch((error: unknown) => {
      if (!isAbort(error)) holder.append(errorBox(error, "Could not list associations. "));
    });
  });
  if (count === 0) {
    holder.replaceChildren(
      h(
        "p",
        { class: "muted" },
        incoming ? "Nothing leads into this entity." : "Nothing comes from this entity.",
      ),
    );
    return;
  }
  const otherLabel = incoming ? "Source" : "Destination";
  holder.replaceChildren(
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "list" },
        h("caption", { class: "visually-hidden" }, titleText),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, otherLabel),
            h("th", { scope: "col" }, `${otherLabel} type`),
            h("th", { scope: "col" }, "Association"),
            h("th", { scope: "col" }, "Created"),
          ),
        ),
        body,
      ),
    ),
    more,
  );
  holder.setAttribute("aria-label", pluralize(count, "association"));
}

function associationRow(ctx: SignedInContext, a: Json, incoming: boolean): HTMLElement {
  const otherArn = String((incoming ? a.SourceArn : a.DestinationArn) ?? "");
  const otherName = String((incoming ? a.SourceName : a.DestinationName) ?? "");
  const otherType = String((incoming ? a.SourceType : a.DestinationType) ?? "");
  const otherKind = kindOfArn(otherArn);
  if (otherKind && otherName) {
    ctx.names.remember({ arn: otherArn, name: otherName, type: otherType, sourceUri: "" });
  }
  const label = otherName || arnResource(otherArn);
  return h(
    "tr",
    {},
    h(
      "th",
      { scope: "row" },
      otherKind ? h("a", { href: entityHref(otherArn) }, label) : h("code", {}, otherArn),
      otherKind ? h("span", { class: "muted" }, ` ${otherKind.singular.toLowerCase()}`) : "",
    ),
    h("td", {}, otherType),
    h("td", {}, String(a.AssociationType ?? "")),
    h("td", {}, time(typeof a.CreationTime === "number" ? a.CreationTime : undefined)),
  );
}
