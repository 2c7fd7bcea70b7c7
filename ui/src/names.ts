// Names for ARNs. QueryLineage returns only ARNs and types, so the graph asks Describe* for
// each vertex's name: answers are cached for the session, concurrent asks for one ARN share a
// request, and at most a few requests are in flight at once.

import type { Api, Json } from "./api";
import {
  displayName,
  isTrialComponentArn,
  kindOfArn,
  kindOfLineageType,
  summarize,
  type Summary,
} from "./entities";

const CONCURRENCY = 6;

export class Names {
  private readonly cache = new Map<string, Promise<Summary | null>>();
  private readonly known = new Map<string, Summary>();
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly api: Api) {}

  /** Record what a List* or Describe* response already told us. */
  remember(summary: Summary): void {
    if (!summary.arn) return;
    const key = summary.arn.toLowerCase();
    this.known.set(key, summary);
    this.cache.set(key, Promise.resolve(summary));
  }

  peek(arn: string): Summary | undefined {
    return this.known.get(arn.toLowerCase());
  }

  label(arn: string): string | undefined {
    const summary = this.peek(arn);
    return summary ? displayName(summary) : undefined;
  }

  /** The entity's summary, or null when it can't be described (gone, or a foreign kind). */
  resolve(arn: string, lineageType?: string): Promise<Summary | null> {
    const key = arn.toLowerCase();
    let found = this.cache.get(key);
    if (!found) {
      found = this.fetch(arn, lineageType).catch(() => null);
      this.cache.set(key, found);
    }
    return found;
  }

  private async fetch(arn: string, lineageType?: string): Promise<Summary | null> {
    if (lineageType === "TrialComponent" || isTrialComponentArn(arn)) {
      return this.fetchTrialComponent(arn);
    }
    const kind = (lineageType && kindOfLineageType(lineageType)) || kindOfArn(arn);
    if (!kind) return null;
    await this.acquire();
    try {
      const described = await this.api.call<Json>(kind.describeOp, { [kind.describeKey]: arn });
      const summary = summarize(kind, described);
      this.known.set(arn.toLowerCase(), summary);
      return summary;
    } finally {
      this.release();
    }
  }

  private async fetchTrialComponent(arn: string): Promise<Summary | null> {
    await this.acquire();
    try {
      const d = await this.api.call<Json>("DescribeTrialComponent", { TrialComponentName: arn });
      const source = (d.Source as Json | undefined) ?? {};
      const summary: Summary = {
        arn: String(d.TrialComponentArn ?? arn),
        name: String(d.TrialComponentName ?? ""),
        type: String(source.SourceType ?? ""),
        sourceUri: String(source.SourceArn ?? ""),
      };
      this.known.set(arn.toLowerCase(), summary);
      return summary;
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < CONCURRENCY) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }
}
