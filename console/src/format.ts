/** Times in UTC, to the minute (seconds for steps): the lab, its logs and the CLI speak UTC. */
export function when(iso: string | null | undefined, seconds = false): string {
  if (!iso) return '—';
  const s = new Date(iso).toISOString().replace('T', ' ');
  return `${seconds ? s.slice(0, 19) : s.slice(0, 16)}Z`;
}

export function duration(from?: string, to?: string): string {
  if (!from) return '';
  const ms = (to ? Date.parse(to) : Date.now()) - Date.parse(from);
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/** Event details without anything that looks like a credential: the page never shows a secret. */
export function safeDetail(detail: Record<string, unknown>): string {
  const text = JSON.stringify(detail, (key, value: unknown) => (/pass|secret|token|credential|private/i.test(key) ? '(hidden)' : value));
  return text === '{}' ? '' : text;
}
