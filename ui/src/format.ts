// Formatting of API values for display and of form values for requests.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

/** API timestamps are epoch seconds (with milliseconds as a fraction). */
export function formatTime(seconds: number | undefined): string {
  if (seconds === undefined) return "";
  return dateTime.format(new Date(seconds * 1000));
}

export function isoTime(seconds: number | undefined): string {
  return seconds === undefined ? "" : new Date(seconds * 1000).toISOString();
}

/** A `datetime-local` input's value (local time) as epoch seconds, or undefined. */
export function localInputToEpoch(value: string): number | undefined {
  if (!value) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

export function pluralize(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
