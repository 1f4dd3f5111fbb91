import type { LiblaasContext } from './context';

/**
 * Hand a notice to the lab's notification sink: POST it as JSON to the configured webhook, or
 * log it when none is set. A webhook that refuses or cannot be reached is an error the caller
 * answers with 500, so the dashboard tries again (it retries notices every 2 minutes).
 */
export async function sendNotice(ctx: LiblaasContext, notice: Record<string, unknown>): Promise<void> {
  const url = ctx.options.notifyUrl;
  if (!url) {
    ctx.log.info({ notice }, 'liblaas notice (no LAAS_NOTIFY_WEBHOOK_URL set)');
    return;
  }
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(notice), signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`the notification webhook answered ${res.status}`);
}
