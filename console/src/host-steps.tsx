import { duration, when } from './format';
import type { BookingHost, Step } from './types';

/** Steps as bars on one time axis (from the first step's start to the last finish, or now). */
function span(steps: Step[]): [number, number] {
  const starts = steps.flatMap((s) => (s.startedAt ? [Date.parse(s.startedAt)] : []));
  const ends = steps.map((s) => (s.finishedAt && s.status !== 'running' ? Date.parse(s.finishedAt) : Date.now()));
  if (!starts.length) return [0, 1];
  return [Math.min(...starts), Math.max(...ends, Math.min(...starts) + 1000)];
}

export function StepTable({ steps, testid }: { steps: Step[]; testid: string }) {
  const [from, to] = span(steps);
  return (
    <table class="steps" data-testid={testid}>
      <thead>
        <tr>
          <th>step</th>
          <th>status</th>
          <th>started</th>
          <th>finished</th>
          <th>took</th>
          <th>attempt</th>
          <th class="gantt-head">timeline</th>
        </tr>
      </thead>
      <tbody>
        {steps.map((s) => {
          // A step run again (retried after a hold) still carries its earlier finish and error until it ends.
          const finishedAt = s.status === 'running' ? undefined : s.finishedAt;
          const start = s.startedAt ? Date.parse(s.startedAt) : null;
          const end = finishedAt ? Date.parse(finishedAt) : Date.now();
          return (
            <tr key={s.step} data-step={s.step} data-status={s.status}>
              <td>{s.step}</td>
              <td>
                <span class={`status st-${s.status}`}>{s.status}</span>
                {s.step === 'imaging' && s.status === 'running' && typeof s.progress === 'number' && (
                  <span class="progress" data-testid="imaging-progress">
                    <span class="track">
                      <span style={{ width: `${s.progress}%` }} />
                    </span>{' '}
                    {Math.round(s.progress)}%
                  </span>
                )}
                {s.error && s.status !== 'running' && <div class="error">{`${s.error.type}: ${s.error.message}`}</div>}
              </td>
              <td>{when(s.startedAt, true)}</td>
              <td>{when(finishedAt, true)}</td>
              <td>{duration(s.startedAt, finishedAt)}</td>
              <td>{s.attempt ?? ''}</td>
              <td class="gantt">
                {start !== null && <span class={`st-${s.status}`} style={{ left: `${((start - from) / (to - from)) * 100}%`, width: `${Math.max(((end - start) / (to - from)) * 100, 1)}%` }} />}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** A host of the booking: its addresses, how to log in, and its step timeline. */
export function HostSteps({ host }: { host: BookingHost }) {
  const addresses = host.addresses?.length ? host.addresses : host.address ? [host.address] : [];
  return (
    <div class="host" data-host={host.name}>
      <h4>
        {host.name} <small>{host.hostname}</small> {host.image && <small>· {host.image}</small>}
        {host.held && (
          <span class="tag held">
            held at {host.held.step} until {when(host.held.until)}
          </span>
        )}
      </h4>
      {addresses.length > 0 && <p>addresses: {addresses.join(', ')}</p>}
      {host.ssh && (
        <pre class="ssh" data-testid="ssh">
          {host.ssh}
        </pre>
      )}
      <StepTable steps={host.steps} testid={`steps-${host.name}`} />
    </div>
  );
}
