import { BadArgumentError } from '../../db/errors';
import { BROCADE_INTERFACE_TYPES } from '../../drivers/switch/brocade';
import { OS9_INTERFACE_TYPES } from '../../drivers/switch/dellnos9';

type Field = string | number | boolean | undefined;

/** Where laas reaches a switch HIL registered, and the options its driver reads. */
export interface HilSwitchReach {
  address?: string;
  port?: number;
  options: Record<string, string>;
}

interface TypeRule {
  required: string[];
  /** `hostname` is the base URL of the switch's REST server (HIL's dellnos9 and brocade). */
  restUrl?: boolean;
  check?(fields: Record<string, Field>): string | undefined;
}

// HIL's `validate` per driver (hil-clients.md §8; M hil/ext/switches/n3000.py, dell.py, dellnos9.py, brocade.py).
const RULES: Record<string, TypeRule> = {
  delln3000: {
    required: ['hostname', 'username', 'password', 'dummy_vlan'],
    check: (f) => (/^\d{1,4}$/.test(String(f.dummy_vlan)) && Number(f.dummy_vlan) >= 1 && Number(f.dummy_vlan) <= 4093 ? undefined : 'dummy_vlan: a VLAN id from 1 to 4093'),
  },
  powerconnect55xx: { required: ['hostname', 'username', 'password'] },
  dellnos9: {
    required: ['hostname', 'username', 'password', 'interface_type'],
    restUrl: true,
    check: (f) => oneOf('interface_type', f.interface_type, Object.keys(OS9_INTERFACE_TYPES)),
  },
  brocade: {
    required: ['hostname', 'username', 'password', 'interface_type'],
    restUrl: true,
    check: (f) => oneOf('interface_type', f.interface_type, BROCADE_INTERFACE_TYPES),
  },
};

function oneOf(name: string, value: Field, allowed: readonly string[]): string | undefined {
  return allowed.includes(String(value)) ? undefined : `${name}: one of ${allowed.join(', ')}`;
}

function refuse(problem: string): never {
  const field = problem.split(':')[0];
  throw new BadArgumentError(`The arguments are not valid for this switch type: ${problem}`, { what: field });
}

/**
 * Checks the fields HIL's driver for `type` took, answering HIL's BadArgumentError "The arguments are
 * not valid for this switch type" with the field named, and turns a REST switch's `hostname` URL
 * (`http://192.0.2.4:8008`) into address, port and option `scheme`. Types without a rule pass as they are.
 */
export function hilSwitchReach(type: string, fields: Record<string, Field>): HilSwitchReach {
  const rule = RULES[type];
  if (!rule) return { options: {} };
  for (const name of rule.required) {
    const value = fields[name];
    if (value === undefined || value === '') refuse(`${name}: required`);
    if (name !== 'dummy_vlan' && typeof value !== 'string') refuse(`${name}: expected a string`);
  }
  const problem = rule.check?.(fields);
  if (problem) refuse(problem);
  if (!rule.restUrl) return { options: {} };
  let url: URL;
  try {
    url = new URL(String(fields.hostname));
  } catch {
    return refuse('hostname: the base URL of the switch’s REST server, like http://192.0.2.4:8008');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    refuse('hostname: an http or https URL with no path, query or credentials, like http://192.0.2.4:8008');
  }
  return {
    address: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    ...(url.port ? { port: Number(url.port) } : {}),
    options: { scheme: url.protocol.slice(0, -1) },
  };
}
