// The signed-in credentials live in sessionStorage only: they are gone when the tab closes, and
// signing out removes them at once.

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

const KEY = "stemma.credentials";

export function load(): Credentials | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<Credentials>;
    if (parsed.accessKeyId && parsed.secretAccessKey && parsed.region) {
      return {
        accessKeyId: parsed.accessKeyId,
        secretAccessKey: parsed.secretAccessKey,
        region: parsed.region,
      };
    }
  } catch {
    // Unreadable storage counts as signed out.
  }
  return null;
}

export function save(credentials: Credentials): void {
  sessionStorage.setItem(KEY, JSON.stringify(credentials));
}

export function clear(): void {
  sessionStorage.removeItem(KEY);
}
