import { useEffect, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { message } from './api';
import { hostRows, listBookings } from './data';
import { HOLDING, STATES, STATE_HELP, stateLabel } from './states';
import { when } from './format';
import type { BookingSummary, HostRow } from './types';

const DAY = 86_400_000;
/** Zoom levels, in days shown; the default is the past week and the next two. */
const SPANS = [1, 3, 7, 21, 42, 90];

function Bar({ from, to, start, end, children, ...rest }: { from: number; to: number; start: number; end: number; children: ComponentChildren } & Record<string, unknown>) {
  const left = Math.max(start, from);
  const right = Math.min(end, to);
  if (right <= left) return null;
  const style = { left: `${((left - from) / (to - from)) * 100}%`, width: `${Math.max(((right - left) / (to - from)) * 100, 0.6)}%` };
  return (
    <a style={style} {...rest}>
      {children}
    </a>
  );
}

function Row({ host, bookings, from, to }: { host: HostRow; bookings: BookingSummary[]; from: number; to: number }) {
  return (
    <div class={`row${host.maintenance ? ' maintenance' : ''}`} data-host={host.name}>
      <div class="label">
        {host.name} {host.flavor && <small>{host.flavor}</small>}
        {host.state !== 'available' && <span class="tag maint">{host.state}</span>}
      </div>
      <div class="track">
        {host.holds.map((h, i) => (
          <Bar key={`hold-${i}`} from={from} to={to} start={Date.parse(h.start)} end={h.end ? Date.parse(h.end) : to} class="hold" title={`held by ${h.project ? `project ${h.project}` : 'another project'} from ${when(h.start)}${h.end ? ` to ${when(h.end)}` : ''}`}>
            {h.project ? `project ${h.project}` : (h.reason ?? 'held')}
          </Bar>
        ))}
        {bookings
          .filter((b) => b.hosts.includes(host.name))
          .map((b) => (
            <Bar
              key={b.id}
              from={from}
              to={to}
              start={Date.parse(b.start)}
              end={Date.parse(b.end)}
              class={`bar s-${b.state}`}
              href={`#/bookings/${encodeURIComponent(b.id)}`}
              data-booking={b.id}
              title={`${b.id} · ${stateLabel(b.state)} · ${b.project}/${b.owner} · ${when(b.start)} → ${when(b.end)}`}
            >
              {b.id}
            </Bar>
          ))}
      </div>
    </div>
  );
}

/** Hosts × time: one row per host, bookings as bars coloured by state, projects' holds and maintenance shown. */
export function Timeline() {
  const [span, setSpan] = useState(21);
  const [shift, setShift] = useState(0);
  const [closed, setClosed] = useState(false);
  const [data, setData] = useState<{ bookings: BookingSummary[]; rows: HostRow[]; fromInventory: boolean } | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    const load = async () => {
      try {
        const bookings = await listBookings();
        const { rows, fromInventory } = await hostRows(bookings);
        if (live) setData({ bookings, rows, fromInventory });
        setError('');
      } catch (err) {
        if (live) setError(message(err));
      }
    };
    void load();
    const timer = setInterval(() => void load(), 3000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  const now = Date.now();
  const from = now - (span / 3) * DAY + shift;
  const to = from + span * DAY;
  const shown = (data?.bookings ?? []).filter((b) => closed || HOLDING.has(b.state));
  const ticks = Array.from({ length: Math.min(span, 21) + 1 }, (_, i) => from + (i * (to - from)) / Math.min(span, 21));
  const zoom = (dir: number) => setSpan(SPANS[Math.min(SPANS.length - 1, Math.max(0, SPANS.indexOf(span) + dir))] ?? span);
  return (
    <section>
      <h2>Hosts × time</h2>
      <div class="controls">
        <button onClick={() => setShift(shift - (span / 3) * DAY)}>◀ earlier</button>
        <button onClick={() => setShift(0)}>now</button>
        <button onClick={() => setShift(shift + (span / 3) * DAY)}>later ▶</button>
        <button onClick={() => zoom(-1)} aria-label="zoom in">+ zoom in</button>
        <button onClick={() => zoom(1)} aria-label="zoom out">− zoom out</button>
        <span>
          {when(new Date(from).toISOString())} → {when(new Date(to).toISOString())} ({span} days)
        </span>
        <label>
          <input type="checkbox" checked={closed} onChange={(e) => setClosed(e.currentTarget.checked)} /> released and failed too
        </label>
      </div>
      {error && <p class="error">{error}</p>}
      {data && !data.fromInventory && <p class="hint">This API has no GET /v1/hosts: rows are the hosts your bookings name (idle hosts, maintenance and project holds are not shown).</p>}
      <div class="timeline" data-testid="timeline">
        <div class="row axis">
          <div class="label" />
          <div class="track">
            {ticks.map((t) => (
              <span key={t} class="tick" style={{ left: `${((t - from) / (to - from)) * 100}%` }}>
                {new Date(t).toISOString().slice(5, span <= 3 ? 16 : 10).replace('T', ' ')}
              </span>
            ))}
            {now > from && now < to && <span class="now" style={{ left: `${((now - from) / (to - from)) * 100}%` }} title="now" />}
          </div>
        </div>
        {data?.rows.map((h) => <Row key={h.name} host={h} bookings={shown} from={from} to={to} />)}
        {data && data.rows.length === 0 && <p class="hint">No hosts to show.</p>}
      </div>
      <ul class="legend">
        {STATES.map((s) => (
          <li key={s} title={STATE_HELP[s]}>
            <span class={`swatch s-${s}`} /> {stateLabel(s)}
          </li>
        ))}
        <li>
          <span class="swatch swatch-hold" /> project hold
        </li>
        <li>
          <span class="swatch swatch-maint" /> maintenance
        </li>
      </ul>
    </section>
  );
}
