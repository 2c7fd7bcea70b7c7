// The three kinds of lineage entity and how the API names their operations and fields.

export type KindName = "contexts" | "artifacts" | "actions";
export type LineageType = "Context" | "Artifact" | "Action" | "TrialComponent" | string;

export interface Kind {
  name: KindName;
  singular: string;
  lineageType: LineageType;
  listOp: string;
  listKey: string;
  describeOp: string;
  /** The Describe* member that takes an ARN. */
  describeKey: string;
  arnKey: string;
  nameKey: string;
  typeKey: string;
  /** Sort keys the List* operation accepts. */
  sorts: [value: string, label: string][];
}

export const KINDS: Record<KindName, Kind> = {
  contexts: {
    name: "contexts",
    singular: "Context",
    lineageType: "Context",
    listOp: "ListContexts",
    listKey: "ContextSummaries",
    describeOp: "DescribeContext",
    describeKey: "ContextName",
    arnKey: "ContextArn",
    nameKey: "ContextName",
    typeKey: "ContextType",
    sorts: [
      ["CreationTime", "Creation time"],
      ["Name", "Name"],
    ],
  },
  artifacts: {
    name: "artifacts",
    singular: "Artifact",
    lineageType: "Artifact",
    listOp: "ListArtifacts",
    listKey: "ArtifactSummaries",
    describeOp: "DescribeArtifact",
    describeKey: "ArtifactArn",
    arnKey: "ArtifactArn",
    nameKey: "ArtifactName",
    typeKey: "ArtifactType",
    sorts: [["CreationTime", "Creation time"]],
  },
  actions: {
    name: "actions",
    singular: "Action",
    lineageType: "Action",
    listOp: "ListActions",
    listKey: "ActionSummaries",
    describeOp: "DescribeAction",
    describeKey: "ActionName",
    arnKey: "ActionArn",
    nameKey: "ActionName",
    typeKey: "ActionType",
    sorts: [
      ["CreationTime", "Creation time"],
      ["Name", "Name"],
    ],
  },
};

export const KIND_ORDER: KindName[] = ["contexts", "artifacts", "actions"];

/** The kind of a lineage ARN (`arn:aws:sagemaker:<region>:<account>:<kind>/<id>`). */
export function kindOfArn(arn: string): Kind | null {
  const resource = arn.split(":")[5] ?? "";
  const prefix = resource.split("/")[0];
  switch (prefix) {
    case "context":
      return KINDS.contexts;
    case "artifact":
      return KINDS.artifacts;
    case "action":
      return KINDS.actions;
    default:
      return null;
  }
}

/** A trial component (a run): `...:experiment-trial-component/<name>`. */
export function isTrialComponentArn(arn: string): boolean {
  return (arn.split(":")[5] ?? "").startsWith("experiment-trial-component/");
}

export function kindOfLineageType(lineageType: LineageType): Kind | null {
  return Object.values(KINDS).find((k) => k.lineageType === lineageType) ?? null;
}

/** The part of an ARN after the kind: the lowercased name, or an artifact's hex id. */
export function arnResource(arn: string): string {
  const resource = arn.split(":").slice(5).join(":");
  return resource.slice(resource.indexOf("/") + 1);
}

export function arnRegion(arn: string): string {
  return arn.split(":")[3] ?? "";
}

export function isArn(text: string): boolean {
  return /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:\d{12}:[a-z-]+\/.+/i.test(text.trim());
}

export interface Summary {
  arn: string;
  name: string;
  type: string;
  sourceUri: string;
  status?: string;
  created?: number;
  modified?: number;
}

export function summarize(kind: Kind, item: Record<string, unknown>): Summary {
  const source = (item.Source as Record<string, unknown> | undefined) ?? {};
  return {
    arn: String(item[kind.arnKey] ?? ""),
    name: String(item[kind.nameKey] ?? ""),
    type: String(item[kind.typeKey] ?? ""),
    sourceUri: String(source.SourceUri ?? ""),
    status: typeof item.Status === "string" ? item.Status : undefined,
    created: typeof item.CreationTime === "number" ? item.CreationTime : undefined,
    modified: typeof item.LastModifiedTime === "number" ? item.LastModifiedTime : undefined,
  };
}

/** A display name: the entity's name, else (for unnamed artifacts) the end of its source URI. */
export function displayName(summary: Pick<Summary, "name" | "sourceUri" | "arn">): string {
  if (summary.name) return summary.name;
  const uri = summary.sourceUri.replace(/\/+$/, "");
  const tail = uri.slice(uri.lastIndexOf("/") + 1);
  return tail || arnResource(summary.arn);
}
