/**
 * The real-peer suites (a 3-host booking on ipmi_sim, the FOG simulator, Open vSwitch, sshd
 * boxes, slapd and libvirt; the fault matrix; SIGKILL of the worker mid-step; `npm start` with
 * real peers) run in `npm test`, about five minutes. LAAS_REAL_LAB_TESTS=0 leaves them out for a
 * quicker run while working on something else; CI never sets it.
 */
export function realLabTestsOff(): string {
  return process.env.LAAS_REAL_LAB_TESTS === '0' ? 'left out: LAAS_REAL_LAB_TESTS=0' : '';
}
