// Small pieces shared by the views.

import { describeError } from "../api";
import { h } from "../dom";
import { formatTime, isoTime } from "../format";

export function heading(text: string, sub?: string): HTMLElement {
  return h(
    "div",
    { class: "page-head" },
    h("h1", { tabindex: "-1" }, text),
    sub ? h("p", { class: "sub" }, sub) : null,
  );
}

export function errorBox(error: unknown, prefix = ""): HTMLElement {
  return h("div", { class: "error", role: "alert" }, `${prefix}${describeError(error)}`);
}

export function time(seconds: number | undefined): HTMLElement | string {
  if (seconds === undefined) return "";
  return h("time", { datetime: isoTime(seconds) }, formatTime(seconds));
}

export function loading(text = "Loading…"): HTMLElement {
  return h("p", { class: "loading", role: "status" }, text);
}

/** A definition list from label/value pairs; empty values are left out. */
export function fields(rows: [string, Node | string | undefined | null][]): HTMLElement {
  const dl = h("dl", { class: "fields" });
  for (const [label, value] of rows) {
    if (value === undefined || value === null || value === "") continue;
    dl.append(h("dt", {}, label), h("dd", {}, value));
  }
  return dl;
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}
