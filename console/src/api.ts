// The console reads and changes bookings through /v1 only, with the token its user typed in.
// The token lives in this tab's session storage: closing the tab forgets it.

const TOKEN_KEY = 'laas-console-token';

export const token = (): string | null => sessionStorage.getItem(TOKEN_KEY);
export const setToken = (value: string): void => sessionStorage.setItem(TOKEN_KEY, value);
export const clearToken = (): void => sessionStorage.removeItem(TOKEN_KEY);

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** A /v1 call; refusals become ApiError with the API's own type and message. */
export async function api<T>(path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
  const bearer = init.token ?? token();
  const headers: Record<string, string> = bearer ? { authorization: `Bearer ${bearer}` } : {};
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`/v1${path}`, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const err = (json as { error?: { type?: string; message?: string } } | undefined)?.error;
    if (res.status === 401 && !init.token) window.dispatchEvent(new Event('laas-signed-out'));
    throw new ApiError(res.status, err?.type ?? 'Error', err?.message ?? `${res.status} ${res.statusText}`);
  }
  return json as T;
}

/** A route this API may not have yet (older or newer servers): null when it answers "no such route". */
export async function optional<T>(path: string): Promise<T | null> {
  try {
    return await api<T>(path);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404 && err.type === 'NotFound') return null;
    throw err;
  }
}

export const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));
