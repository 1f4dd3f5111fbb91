import { BmcAuthFailed, BmcCommandFailed, BmcUnreachable } from './power';

/** What one ipmitool run left behind. */
export interface IpmitoolRun {
  /** Exit code; null when the child was killed. */
  code: number | null;
  /** True when we killed it for running past the call's time bound. */
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

// ipmitool ends every failed lanplus session with the same line, "Unable to
// establish IPMI v2 / RMCP+ session", whether the password was wrong or nobody
// answered. With -v it first says why; these are the reasons it prints.
const authFailure = [
  /RAKP \d+ HMAC is invalid/i,
  /RAKP \d+ message indicates an error/i,
  /unauthorized name/i,
  /invalid integrity check value/i,
  /unauthorized role or privilege level/i,
  /Invalid user name/i,
  /Unable to read password from environment/i,
];
const noAnswer = [
  /Get Auth Capabilities error/i,
  /Error issuing Get Channel Authentication Capabilities/i,
  /No response from remote controller/i,
  /Address lookup for .* failed/i,
  /Could not open socket/i,
  /Unable to establish IPMI v2 \/ RMCP\+ session/i,
];
// Chatter that -v adds to every run and that explains nothing.
const chatter = [/^Loading IANA PEN Registry/i, /^Running Get VSO Capabilities/i, /^Discovered IPMB address/i, /^Get HPM\.x Capabilities/i];

/** Turns a failed run into the typed error the activities know. */
export function classifyFailure(host: string, run: IpmitoolRun, timeoutMs: number, password: string): Error {
  if (run.timedOut) {
    return new BmcUnreachable(host, `no answer within ${timeoutMs} ms`);
  }
  if (authFailure.some((p) => p.test(run.stderr))) {
    return new BmcAuthFailed(host);
  }
  // The BMC answered but would not open a session with these algorithms: a
  // configuration problem (cipher suite), not a dead BMC.
  const refused = /Error in open session response message\s*:\s*(.+)/i.exec(run.stderr)?.[1];
  if (refused !== undefined) {
    return new BmcCommandFailed(host, `session refused: ${refused.trim()} (check the cipher suite)`);
  }
  if (noAnswer.some((p) => p.test(run.stderr))) {
    return new BmcUnreachable(host, firstReason(run.stderr));
  }
  return new BmcCommandFailed(host, explain(run, password));
}

function firstReason(stderr: string): string {
  const line = stderr.split('\n').find((l) => noAnswer.some((p) => p.test(l)));
  return line?.trim().replace(/^Error:\s*/, '') ?? 'no answer';
}

/** The last line that says something, with the password scrubbed should a BMC ever echo it. */
export function explain(run: IpmitoolRun, password: string): string {
  const lines = `${run.stderr}\n${run.stdout}`
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !chatter.some((c) => c.test(l)));
  const last = lines.at(-1) ?? `ipmitool exited with code ${run.code ?? 'unknown'}`;
  const scrubbed = password === '' ? last : last.split(password).join('***');
  return scrubbed.length > 200 ? `${scrubbed.slice(0, 200)}...` : scrubbed;
}
