// stemma's public API, called from the page exactly as an AWS SDK calls it: AWS JSON 1.1 at
// POST / on this origin, every request signed with SigV4 (service "sagemaker") by aws4fetch.

import { AwsClient } from "aws4fetch";
import type { Credentials } from "./session";

export const SERVICE = "sagemaker";
const CONTENT_TYPE = "application/x-amz-json-1.1";

/** Error codes that mean the credentials themselves were refused. */
const AUTH_ERRORS = new Set([
  "InvalidSignatureException",
  "UnrecognizedClientException",
  "IncompleteSignatureException",
  "MissingAuthenticationTokenException",
  "ExpiredTokenException",
  "AccessDeniedException",
]);

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "ApiError";
  }

  get isAuth(): boolean {
    return AUTH_ERRORS.has(this.code);
  }
}

export type Json = Record<string, unknown>;
export type MetricsOperation = "BatchPutMetrics" | "BatchGetMetrics";

export class Api {
  private readonly client: AwsClient;
  private readonly endpoint: string;

  constructor(
    readonly credentials: Credentials,
    private readonly onAuthFailure?: (error: ApiError) => void,
  ) {
    this.client = new AwsClient({
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      service: SERVICE,
      region: credentials.region,
      retries: 2,
    });
    this.endpoint = `${location.origin}/`;
  }

  get region(): string {
    return this.credentials.region;
  }

  call<T = Json>(operation: string, body: Json = {}, signal?: AbortSignal): Promise<T> {
    return this.send<T>(
      this.endpoint,
      "POST",
      { "X-Amz-Target": `SageMaker.${operation}`, "Content-Type": CONTENT_TYPE },
      body,
      signal,
    );
  }

  /** The sagemaker-metrics service (REST-JSON on the same origin, signed as "sagemaker"):
   * `PUT /BatchPutMetrics`, `POST /BatchGetMetrics`. */
  metrics<T = Json>(operation: MetricsOperation, body: Json, signal?: AbortSignal): Promise<T> {
    const method = operation === "BatchPutMetrics" ? "PUT" : "POST";
    return this.send<T>(
      `${location.origin}/${operation}`,
      method,
      { "Content-Type": "application/json" },
      body,
      signal,
    );
  }

  private async send<T>(
    url: string,
    method: string,
    headers: Record<string, string>,
    body: Json,
    signal?: AbortSignal,
  ): Promise<T> {
    let response: Response;
    try {
      response = await this.client.fetch(url, {
        method,
        headers,
        body: JSON.stringify(body),
        signal: signal ?? null,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ApiError("NetworkError", "Could not reach the stemma server.", 0);
    }
    const text = await response.text();
    let payload: Json = {};
    try {
      payload = text ? (JSON.parse(text) as Json) : {};
    } catch {
      payload = {};
    }
    if (!response.ok) {
      const rawType =
        typeof payload.__type === "string"
          ? payload.__type
          : (response.headers.get("X-Amzn-ErrorType") ?? "");
      const code = rawType.split("#").pop()?.split(":")[0] || `HTTP ${response.status}`;
      const message =
        (typeof payload.message === "string" && payload.message) ||
        (typeof payload.Message === "string" && payload.Message) ||
        response.statusText ||
        "The request failed.";
      const error = new ApiError(code, message, response.status);
      if (error.isAuth) this.onAuthFailure?.(error);
      throw error;
    }
    return payload as T;
  }

  /** Every page of a paged List* call, up to `limit` items. */
  async all<T>(
    operation: string,
    key: string,
    body: Json,
    signal?: AbortSignal,
    limit = 1000,
  ): Promise<{ items: T[]; truncated: boolean }> {
    const items: T[] = [];
    let token: string | undefined;
    do {
      const page = await this.call<Json>(
        operation,
        token ? { ...body, NextToken: token } : body,
        signal,
      );
      items.push(...((page[key] as T[] | undefined) ?? []));
      token = typeof page.NextToken === "string" && page.NextToken ? page.NextToken : undefined;
    } while (token && items.length < limit);
    return { items, truncated: Boolean(token) };
  }
}

/** A sentence for people, from any error a call can raise. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    switch (error.code) {
      case "InvalidSignatureException":
        if (/does not match/.test(error.message)) {
          return "The secret access key is wrong: the server could not verify the request signature.";
        }
        return `The request signature was refused: ${error.message}`;
      case "UnrecognizedClientException":
        return "The access key ID is not known to this server.";
      case "NetworkError":
        return error.message;
      default:
        return `${error.code}: ${error.message}`;
    }
  }
  return error instanceof Error ? error.message : String(error);
}
