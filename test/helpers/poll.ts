/**
 * Reads again and again until `done` holds or `timeoutMs` has passed, and returns the last read:
 * the caller's assertion on it then says what was expected and what was seen.
 */
export async function until<T>(read: () => Promise<T>, done: (t: T) => boolean, timeoutMs = 60_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = await read();
    if (done(t) || Date.now() > deadline) return t;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
