// What every view gets from the app shell, and what it gives back.

import type { Api } from "../api";
import type { Credentials } from "../session";
import type { Names } from "../names";
import type { Route } from "../router";

export interface ViewContext {
  route: Route;
  /** The <main> element the view renders into; it is empty when the view starts. */
  main: HTMLElement;
  /** Aborted when the user leaves the view: stop work and ignore late answers. */
  signal: AbortSignal;
  setTitle(title: string): void;
}

export interface SignedInContext extends ViewContext {
  api: Api;
  names: Names;
  /** Sign in again with another region (same key). */
  switchRegion(region: string): void;
}

export interface SignInContext extends ViewContext {
  signIn(credentials: Credentials): Promise<void>;
}

/** A view may return a function that releases what it holds (listeners, a graph canvas). */
export type Cleanup = () => void;
