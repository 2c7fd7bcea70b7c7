// The app shell: header, sign-in state and the router that draws one view at a time into <main>.

import "./styles.css";
import { Api } from "./api";
import { h } from "./dom";
import { KIND_ORDER, KINDS } from "./entities";
import { Names } from "./names";
import {
  BASE,
  experimentsHref,
  go,
  here,
  listHref,
  parse,
  type Route,
  signinHref,
  start,
} from "./router";
import * as session from "./session";
import { heading } from "./views/common";
import { renderEntity } from "./views/entity";
import { renderExperiment, renderExperiments, renderTrial } from "./views/experiments";
import { renderList } from "./views/list";
import { renderSignIn } from "./views/signin";
import type { Cleanup, SignedInContext, ViewContext } from "./views/view";

const HOME = listHref("contexts");
const main = document.getElementById("main") as HTMLElement;
const nav = document.getElementById("nav") as HTMLElement;
const account = document.getElementById("account") as HTMLElement;

let api: Api | null = null;
let names: Names | null = null;
let controller: AbortController | null = null;
let cleanup: Cleanup | void = undefined;
let firstRender = true;

function connect(): Api | null {
  const credentials = session.load();
  if (!credentials) {
    api = names = null;
    return null;
  }
  if (!api || JSON.stringify(api.credentials) !== JSON.stringify(credentials)) {
    api = new Api(credentials, () => {
      // The server refused the key (revoked, or the session was tampered with): sign in again.
      session.clear();
      api = names = null;
      go(`${signinHref(here())}&reason=expired`, { replace: true });
    });
    names = new Names(api);
  }
  return api;
}

function safeNext(next: string | null): string {
  return next && next.startsWith(`${BASE}/`) && !next.startsWith(`${BASE}/signin`) ? next : HOME;
}

function signOut(): void {
  session.clear();
  api = names = null;
  go(signinHref(), { replace: false });
}

function drawHeader(route: Route): void {
  const current =
    route.view === "list"
      ? route.kind
      : ["experiments", "experiment", "trial", "run", "compare"].includes(route.view)
        ? "experiments"
        : null;
  const credentials = api?.credentials;
  nav.hidden = !credentials;
  account.hidden = !credentials;
  if (!credentials) {
    nav.replaceChildren();
    account.replaceChildren();
    return;
  }
  nav.replaceChildren(
    h(
      "ul",
      {},
      KIND_ORDER.map((kind) =>
        h(
          "li",
          {},
          h(
            "a",
            { href: listHref(kind), "aria-current": kind === current ? "page" : null },
            `${KINDS[kind].singular}s`,
          ),
        ),
      ),
      h(
        "li",
        {},
        h(
          "a",
          {
            href: experimentsHref(),
            "aria-current": current === "experiments" ? "page" : null,
          },
          "Experiments",
        ),
      ),
    ),
  );
  account.replaceChildren(
    h(
      "span",
      { class: "who" },
      h("span", { class: "visually-hidden" }, "Signed in as "),
      h("code", {}, credentials.accessKeyId),
      " in ",
      h("strong", {}, credentials.region),
    ),
    h("button", { type: "button", onclick: signOut }, "Sign out"),
  );
}

async function render(): Promise<void> {
  controller?.abort();
  cleanup?.();
  cleanup = undefined;
  controller = new AbortController();
  const signal = controller.signal;
  const route = parse(new URL(location.href));
  if (location.hash.startsWith("#/")) {
    history.replaceState(null, "", `${BASE}${location.hash.slice(1)}`);
  }
  const connected = connect();
  main.replaceChildren();
  drawHeader(route);
  if (!firstRender) main.focus({ preventScroll: false });
  firstRender = false;
  window.scrollTo(0, 0);

  const base: ViewContext = {
    route,
    main,
    signal,
    setTitle: (title) => {
      document.title = `${title} · stemma`;
    },
  };
  if (route.view === "signin") {
    if (connected) {
      go(safeNext(route.params.get("next")), { replace: true });
      return;
    }
    renderSignIn({
      ...base,
      signIn: async (credentials) => {
        await new Api(credentials).call("ListContexts", { MaxResults: 1 });
        session.save(credentials);
        go(safeNext(route.params.get("next")), { replace: true });
      },
    });
    return;
  }
  if (!connected || !names) {
    go(signinHref(route.view === "home" ? undefined : here()), { replace: true });
    return;
  }
  const ctx: SignedInContext = {
    ...base,
    api: connected,
    names,
    switchRegion: (region) => {
      session.save({ ...connected.credentials, region });
      void render();
    },
  };
  switch (route.view) {
    case "home":
      go(HOME, { replace: true });
      return;
    case "list":
      await renderList(ctx, route.kind);
      return;
    case "entity":
      await renderEntity(ctx, route.arn);
      return;
    case "experiments":
      await renderExperiments(ctx);
      return;
    case "experiment":
      await renderExperiment(ctx, route.name);
      return;
    case "trial":
      await renderTrial(ctx, route.name);
      return;
    case "run": {
      const { renderRun } = await import("./views/run");
      if (!signal.aborted) cleanup = await renderRun(ctx, route.name);
      return;
    }
    case "compare": {
      const { renderCompare } = await import("./views/run");
      if (!signal.aborted) cleanup = await renderCompare(ctx);
      return;
    }
    case "lineage": {
      const { renderLineage } = await import("./views/lineage");
      if (!signal.aborted) cleanup = await renderLineage(ctx, route.arn);
      return;
    }
    default:
      ctx.setTitle("Not found");
      main.append(
        heading("Page not found"),
        h(
          "p",
          {},
          "Nothing lives at this address. ",
          h("a", { href: HOME }, "Go to the contexts."),
        ),
      );
  }
}

start(() => void render());
void render();
