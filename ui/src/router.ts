// Client-side routes under /ui. The server answers every extension-less /ui/... path with the
// app shell, so each view has a real URL that can be bookmarked, shared and reloaded:
//
//   /ui/signin?next=...                     sign in
//   /ui/contexts|artifacts|actions?...      lists (filters, sort and paging in the query)
//   /ui/entity/<ARN>                        one entity's details
//   /ui/lineage/<ARN>?direction=&depth=     the lineage graph around an entity
//   /ui/experiments?q=&sort=&order=         experiments (Search)
//   /ui/experiments/<name>?...              an experiment: its trials and the runs table
//   /ui/trials/<name>?...                   a trial and the runs table
//   /ui/runs/<name>?x=step|time             one run (trial component): parameters, charts
//   /ui/compare?runs=a,b,c                  two to five runs side by side

import { KIND_ORDER, type KindName } from "./entities";

export const BASE = "/ui";

export type Route =
  | { view: "signin"; params: URLSearchParams }
  | { view: "list"; kind: KindName; params: URLSearchParams }
  | { view: "entity"; arn: string; params: URLSearchParams }
  | { view: "lineage"; arn: string; params: URLSearchParams }
  | { view: "experiments"; params: URLSearchParams }
  | { view: "experiment"; name: string; params: URLSearchParams }
  | { view: "trial"; name: string; params: URLSearchParams }
  | { view: "run"; name: string; params: URLSearchParams }
  | { view: "compare"; params: URLSearchParams }
  | { view: "home"; params: URLSearchParams }
  | { view: "notfound"; params: URLSearchParams };

export function parse(url: URL): Route {
  const params = url.searchParams;
  // Old-style hash links (#/contexts) work too.
  if (url.hash.startsWith("#/")) {
    return parse(new URL(`${BASE}${url.hash.slice(1)}`, url.origin));
  }
  const path = url.pathname.startsWith(BASE) ? url.pathname.slice(BASE.length) : url.pathname;
  const parts = path.split("/").filter(Boolean);
  if (parts.length === 0) return { view: "home", params };
  const [head, ...rest] = parts;
  if (head === "signin" && rest.length === 0) return { view: "signin", params };
  if ((KIND_ORDER as string[]).includes(head) && rest.length === 0) {
    return { view: "list", kind: head as KindName, params };
  }
  if (head === "experiments" && rest.length === 0) return { view: "experiments", params };
  if (head === "compare" && rest.length === 0) return { view: "compare", params };
  const named: Record<string, "experiment" | "trial" | "run"> = {
    experiments: "experiment",
    trials: "trial",
    runs: "run",
  };
  if (named[head] && rest.length === 1) {
    return { view: named[head], name: decodeURIComponent(rest[0]), params };
  }
  if ((head === "entity" || head === "lineage") && rest.length > 0) {
    const arn = decodeURIComponent(rest.join("/"));
    return { view: head, arn, params };
  }
  return { view: "notfound", params };
}

function withQuery(path: string, params?: Record<string, string | undefined> | URLSearchParams) {
  const query = new URLSearchParams();
  if (params) {
    const entries = params instanceof URLSearchParams ? [...params] : Object.entries(params);
    for (const [key, value] of entries) if (value) query.append(key, value);
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

export function listHref(kind: KindName, params?: Record<string, string | undefined>): string {
  return withQuery(`${BASE}/${kind}`, params);
}

export function entityHref(arn: string): string {
  return `${BASE}/entity/${encodeURI(arn)}`;
}

export function lineageHref(arn: string, params?: Record<string, string | undefined>): string {
  return withQuery(`${BASE}/lineage/${encodeURI(arn)}`, params);
}

export function experimentsHref(params?: Record<string, string | undefined>): string {
  return withQuery(`${BASE}/experiments`, params);
}

export function experimentHref(
  name: string,
  params?: Record<string, string | undefined> | URLSearchParams,
): string {
  return withQuery(`${BASE}/experiments/${encodeURIComponent(name)}`, params);
}

export function trialHref(
  name: string,
  params?: Record<string, string | undefined> | URLSearchParams,
): string {
  return withQuery(`${BASE}/trials/${encodeURIComponent(name)}`, params);
}

export function runHref(name: string, params?: Record<string, string | undefined>): string {
  return withQuery(`${BASE}/runs/${encodeURIComponent(name)}`, params);
}

export function compareHref(names: string[]): string {
  return withQuery(`${BASE}/compare`, { runs: names.join(",") });
}

export function signinHref(next?: string): string {
  return withQuery(`${BASE}/signin`, { next });
}

type Listener = () => void;
let listener: Listener = () => {};

/** Go to a /ui URL. `replace` rewrites the current history entry; `silent` changes only the URL
 * (for views that update themselves, such as the graph's controls). */
export function go(href: string, options: { replace?: boolean; silent?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, "", href);
  else history.pushState(null, "", href);
  if (!options.silent) listener();
}

export function start(onChange: Listener): void {
  listener = onChange;
  window.addEventListener("popstate", () => listener());
  // Same-app links navigate without a page load; modified clicks open tabs as usual.
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = (event.target as Element | null)?.closest?.("a");
    if (!link || link.target || link.hasAttribute("download")) return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || !url.pathname.startsWith(BASE)) return;
    // In-page anchors (the skip link) keep their default behaviour.
    if (url.hash && !url.hash.startsWith("#/") && url.pathname === location.pathname) return;
    event.preventDefault();
    go(url.pathname + url.search + url.hash);
  });
}

/** The current location as a path for `?next=`. */
export function here(): string {
  return location.pathname + location.search;
}
