import type { PortVlans } from './switch';

/**
 * One switch vendor as data: the command templates a reviewer can check
 * against the vendor's manual, the vendor's error patterns, and how to read a
 * port back. The engine (engine.ts) validates values and fills the templates.
 *
 * Placeholders a template may use:
 * - `{port}`      the port, already checked against `port.pattern`
 * - `{portDashed}` the port with "/" written as "-" (for REST paths)
 * - `{vlan}`      the one VLAN of ensureVlan / setNativeVlan
 * - `{vlans}`     the VLANs of addTaggedVlans / removeTaggedVlans
 * - `{parking}`   the VLAN an emptied port is parked on (option `parkingVlan`, default 1)
 * - `{allowed}`   every VLAN the port carries after the change (native and tagged)
 * - `{dropped}`   tagged VLANs the port carried before the change and no longer does
 * - `{oldNative}` the native VLAN a new one replaces (a list of at most one)
 * `{allowed}`, `{dropped}` and `{oldNative}` make the engine read the port first.
 * A list that comes out empty is written as `emptyList`, or, when that is
 * null, the whole line is left out.
 * `{each:<list>}` (e.g. `{each:dropped}`) repeats the whole template once per
 * VLAN of the list, in its place; a template may hold several lines ("\n")
 * that are repeated together.
 */
export interface SwitchVendor {
  name: string;
  port: { pattern: RegExp; example: string };
  /** The CLI prompt, matched at the end of the output (interactive shells only). */
  prompt?: RegExp;
  /** Sent once after login (paging off). */
  sessionSetup: string[];
  listSeparator: string;
  emptyList: string | null;
  /**
   * Wrapped around every change. After a refused command `abort` is sent (from whatever
   * mode the refusal left the session in), or `leave` when there is no `abort`.
   */
  configure: { enter: string[]; leave: string[]; abort?: string[] };
  commands: {
    ensureVlan: string[];
    setNativeVlan: string[];
    addTaggedVlans: string[];
    removeTaggedVlans: string[];
    resetPort: string[];
    readPort: string[];
    save: string[];
  };
  /** Output matching any of these means the switch refused the command. */
  errorPatterns: RegExp[];
  /** Turns the outputs of `commands.readPort` (joined by newlines) into the port's VLANs. */
  parsePort(output: string): PortVlans;
}

export type VendorOperation = keyof SwitchVendor['commands'];
