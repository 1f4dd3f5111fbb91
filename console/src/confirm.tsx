import { useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { message } from './api';

/**
 * A button whose action runs only after a second, explicit confirmation in the page, showing
 * what will happen; the API's answer (or refusal) is shown beside it.
 */
export function ConfirmButton({ label, question, run, children }: { label: string; question: string; run: () => Promise<string>; children?: ComponentChildren }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const go = async () => {
    setBusy(true);
    try {
      setResult({ ok: true, text: await run() });
    } catch (err) {
      setResult({ ok: false, text: message(err) });
    } finally {
      setBusy(false);
      setAsking(false);
    }
  };
  return (
    <span class="action">
      <button onClick={() => (setAsking(true), setResult(null))} disabled={busy}>
        {label}
      </button>
      {asking && (
        <div class="confirm" role="dialog" aria-label={label}>
          <p>{question}</p>
          {children}
          <button class="danger" onClick={() => void go()} disabled={busy}>
            Confirm {label.toLowerCase()}
          </button>
          <button onClick={() => setAsking(false)}>Cancel</button>
        </div>
      )}
      {result && <span class={result.ok ? 'ok' : 'error'}>{result.text}</span>}
    </span>
  );
}
