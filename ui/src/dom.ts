// A tiny element builder. Everything is built with DOM calls, never innerHTML, so text from the
// API can't become markup, and nothing needs an inline style or script (the CSP forbids both).

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") {
      el.addEventListener(name.replace(/^on/, ""), value);
    } else if (name === "class") {
      el.className = String(value);
    } else if (value === true) {
      el.setAttribute(name, "");
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

export function clear(el: Element): void {
  el.replaceChildren();
}

/** An element that screen readers announce when its text changes. */
export function liveRegion(className = "status"): HTMLElement {
  return h("p", { class: className, role: "status", "aria-live": "polite" });
}

/** Save a blob as a file through a temporary link (blob: URLs are allowed by the CSP). */
export function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

let idCounter = 0;
/** A unique id for pairing labels with controls. */
export function uid(prefix: string): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** A labelled form field: the label and the control, paired by id. */
export function field(
  label: string,
  control: HTMLInputElement | HTMLSelectElement,
  hint?: string,
): HTMLElement {
  control.id ||= uid("f");
  const wrapper = h("div", { class: "field" }, h("label", { for: control.id }, label), control);
  if (hint) {
    const hintEl = h("small", { id: `${control.id}-hint`, class: "hint" }, hint);
    control.setAttribute("aria-describedby", hintEl.id);
    wrapper.append(hintEl);
  }
  return wrapper;
}

export function select(
  name: string,
  options: [value: string, label: string][],
  value: string,
): HTMLSelectElement {
  const el = h("select", { name });
  for (const [optionValue, label] of options) {
    el.append(h("option", { value: optionValue, selected: optionValue === value }, label));
  }
  return el;
}
