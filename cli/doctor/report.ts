import { type Finding, PASSING, type ProbeResult, type ProbeRow } from './findings';

export interface DoctorReport {
  /** Nothing is wrong: no error among the findings and every probed device answered. */
  ok: boolean;
  lab: string | null;
  file: string;
  /** Where the devices were read from: the inventory (as workers do) or, before an import, the lab file. */
  source: 'inventory' | 'lab file' | null;
  /** Every device of the lab is simulated. */
  simulated: boolean;
  findings: Finding[];
  /** null without --probe. */
  probe: ProbeRow[] | null;
}

export function isOk(findings: Finding[], probe: ProbeRow[] | null): boolean {
  return !findings.some((f) => f.level === 'error') && (probe ?? []).every((r) => PASSING.includes(r.result));
}

/** Columns padded to their widest cell; the last column runs free. */
function aligned(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

/** What a person reads: the lab, the problems by place, the probe table, one verdict line. */
export function renderReport(report: DoctorReport): string[] {
  const out: string[] = [];
  const where = report.source ? `; devices from the ${report.source}` : '';
  out.push(report.lab ? `lab ${report.lab} (${report.file}${where})` : `lab description ${report.file}`);
  if (report.simulated) out.push("every device of this lab is simulated inside the worker's process: nothing to reach on a network");
  if (report.findings.length) {
    out.push('', ...aligned(['LEVEL', 'WHERE', 'PROBLEM'], report.findings.map((f) => [f.level, f.place, f.message])));
  } else out.push('', 'configuration: no problems found');
  if (report.probe) {
    out.push('', ...aligned(['DEVICE', 'KIND', 'ADDRESS', 'RESULT', 'REASON'], report.probe.map((r) => [r.device, r.kind, r.address, r.result, r.reason])));
  }
  out.push('', verdict(report));
  return out;
}

function verdict(report: DoctorReport): string {
  const errors = report.findings.filter((f) => f.level === 'error').length;
  const parts = [`${errors} configuration error(s)`];
  if (report.probe) {
    const count = new Map<ProbeResult, number>();
    for (const r of report.probe) count.set(r.result, (count.get(r.result) ?? 0) + 1);
    parts.push(...[...count].map(([result, n]) => `${n} ${result}`));
  } else parts.push('devices not probed (add --probe)');
  return `${report.ok ? 'ok' : 'FAILED'}: ${parts.join(', ')}`;
}
