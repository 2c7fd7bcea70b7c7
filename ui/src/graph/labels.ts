// Short labels that keep what tells names apart. Real job and artifact names are long and share
// long prefixes and suffixes (`churn-xgb-2026-11-01-14-03-017-aws-training-job`); cutting the end
// would make dozens of nodes read alike. Each name keeps its start, the part where it differs
// from the names most like it, and its end, with "…" for what is left out, and the labels of a
// graph are made distinct, growing a label only when two would read the same.

export const LABEL_CHARS = 21;
const ELLIPSIS = "…";

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
  return i;
}

function reversed(s: string): string {
  return s.split("").reverse().join("");
}

/** For each name, the longest prefix and suffix it shares with any other name. */
function shared(names: string[]): Map<string, { prefix: number; suffix: number }> {
  const out = new Map<string, { prefix: number; suffix: number }>();
  for (const name of names) out.set(name, { prefix: 0, suffix: 0 });
  const unique = [...new Set(names)];
  const byPrefix = [...unique].sort();
  for (let i = 1; i < byPrefix.length; i += 1) {
    const n = commonPrefix(byPrefix[i - 1], byPrefix[i]);
    for (const name of [byPrefix[i - 1], byPrefix[i]]) {
      const entry = out.get(name)!;
      entry.prefix = Math.max(entry.prefix, n);
    }
  }
  const bySuffix = unique.map((name) => [reversed(name), name] as const).sort();
  for (let i = 1; i < bySuffix.length; i += 1) {
    const n = commonPrefix(bySuffix[i - 1][0], bySuffix[i][0]);
    for (const name of [bySuffix[i - 1][1], bySuffix[i][1]]) {
      const entry = out.get(name)!;
      entry.suffix = Math.max(entry.suffix, n);
    }
  }
  return out;
}

/** `name` in at most `budget` characters: its start, the part from `from` to `to` (where it
 * differs from the names like it), and its end, with "…" for what is left out. */
export function elide(name: string, budget: number, from = 0, to = name.length): string {
  const len = name.length;
  if (len <= budget) return name;
  const ws = Math.min(Math.max(from - 2, 0), len - 1);
  let we = Math.min(len, Math.max(to, from + 1) + 1);
  if (we - ws > budget - 2) we = ws + budget - 2;
  let avail = budget - (we - ws) - (ws > 0 ? 1 : 0) - (we < len ? 1 : 0);
  avail = Math.max(avail, 0);
  let tail = Math.min(len - we, Math.floor(avail / 2));
  const head = Math.min(ws, avail - tail);
  tail = Math.min(len - we, avail - head);
  const left = head >= ws ? name.slice(0, ws) : `${name.slice(0, head)}${ELLIPSIS}`;
  const right = tail >= len - we ? name.slice(we) : `${ELLIPSIS}${name.slice(len - tail)}`;
  return left + name.slice(ws, we) + right;
}

/** Distinct short labels for a graph's names (by key); equal names stay equal. */
export function distinctLabels(
  names: Map<string, string>,
  budget = LABEL_CHARS,
): Map<string, string> {
  const all = [...names.values()];
  const overlap = shared(all);
  const labelOf = (name: string, size: number) => {
    const { prefix, suffix } = overlap.get(name)!;
    // To tell it from each other name, the label must show a character between where the two
    // first differ and where they last differ; the window from the end of the longest shared
    // prefix to the start of the longest shared suffix (in whichever order they fall) does so
    // for every other name at once.
    const last = name.length - 1 - suffix;
    return elide(name, size, Math.min(prefix, last), Math.max(prefix, last) + 1);
  };
  const result = new Map<string, string>();
  const sizeOf = new Map<string, number>(all.map((n) => [n, budget]));
  for (let round = 0; round < 4; round += 1) {
    const byLabel = new Map<string, Set<string>>();
    for (const name of new Set(all)) {
      const label = labelOf(name, sizeOf.get(name)!);
      if (!byLabel.has(label)) byLabel.set(label, new Set());
      byLabel.get(label)!.add(name);
    }
    let clash = false;
    for (const group of byLabel.values()) {
      if (group.size < 2) continue;
      clash = true;
      for (const name of group) sizeOf.set(name, round === 2 ? Infinity : sizeOf.get(name)! + 8);
    }
    if (!clash) break;
  }
  for (const [key, name] of names) result.set(key, labelOf(name, sizeOf.get(name)!));
  return result;
}
