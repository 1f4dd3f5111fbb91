import { labSchema, type Lab } from '../../config/lab';

/** Ports the simulated switch accepts (Ethernet1/1..48): two NICs per host, 24 hosts per switch. */
const HOSTS_PER_SWITCH = 24;

/** The bench's host names, in lab order: h0001, h0002, ... */
export function benchHostName(i: number): string {
  return `h${String(i + 1).padStart(4, '0')}`;
}

const mac = (i: number, nic: number) => {
  const n = i + 1;
  return `52:54:00:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}:0${nic}`;
};

/**
 * A simulated lab of `hostCount` hosts built in code (the YAML lab has only four): every host has
 * eno1 and eno2 cabled to consecutive ports of a `sim` switch, a new switch every 24 hosts, and the
 * whole VLAN range in the pool so a thousand two-network bookings can hold VLANs at once.
 */
export function benchLab(hostCount: number): Lab {
  const switchCount = Math.ceil(hostCount / HOSTS_PER_SWITCH);
  const switchName = (s: number) => `sw-${String(s + 1).padStart(2, '0')}`;
  return labSchema.parse({
    name: 'bench',
    vlanPool: { from: 2, to: 4094 },
    switches: Array.from({ length: switchCount }, (_, s) => ({ name: switchName(s), type: 'sim', address: `sim://switch/${s + 1}`, credential: 'sim-switch' })),
    images: [{ name: 'ubuntu-22.04', imagingId: '1', osFamily: 'netplan' }],
    hosts: Array.from({ length: hostCount }, (_, i) => {
      const name = benchHostName(i);
      const sw = switchName(Math.floor(i / HOSTS_PER_SWITCH));
      const port = 2 * (i % HOSTS_PER_SWITCH) + 1;
      return {
        name,
        flavor: 'bench',
        bmc: { type: 'sim', address: `sim://bmc/${name}`, credential: 'sim-bmc' },
        ssh: { address: `sim://host/${name}` },
        nics: [
          { name: 'eno1', mac: mac(i, 1), switch: sw, port: `Ethernet1/${port}` },
          { name: 'eno2', mac: mac(i, 2), switch: sw, port: `Ethernet1/${port + 1}` },
        ],
      };
    }),
  });
}
