/** The connector is off unless the dashboard is named; half a configuration fails naming the missing key. */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadLab } from '../../config/load-lab';
import { loadConnectorSettings } from '../../workers/connector-settings';
import { shownUrl } from '../../workers/connector-clients';

const simLab = loadLab(join(import.meta.dirname, '..', '..', 'config', 'sim-lab.yaml'));
// A lab that serves a dashboard allows leases beyond the dashboard's longest booking (1944 h).
const lab = { ...simLab, maxLeaseHours: 2400 };
const api = { LAAS_API_HOST: '127.0.0.1', LAAS_API_PORT: 8080, LAAS_API_TOKEN: 'api-token-0123456789' };
const on = { LAAS_DASHBOARD_URL: 'https://labs.example.org', LAAS_DASHBOARD_TOKEN: 'dash-secret-123' };

describe('connector settings', () => {
  it('is off by default', () => {
    expect(loadConnectorSettings({}, lab, api)).toEqual({ enabled: false });
  });

  it('turns on with the dashboard URL and token, with defaults from the lab and the API', () => {
    expect(loadConnectorSettings(on, lab, api)).toEqual({
      enabled: true,
      dashboardUrl: 'https://labs.example.org',
      dashboardToken: 'dash-secret-123',
      dashboardLab: 'sim',
      pollMs: 10_000,
      project: 'dashboard',
      fallbackOwner: 'dashboard',
      // #17: the safety bound is longer than the dashboard's longest booking by default.
      leaseHours: 2016,
      alertHours: 72,
      publicVlans: new Set(),
      userMap: new Map(),
      loginUser: 'root',
      imageArchitecture: 'x86_64',
      warnings: [],
      apiUrl: 'http://127.0.0.1:8080',
      apiToken: 'api-token-0123456789',
    });
  });

  it('reads the public VLANs and the user map', () => {
    const c = loadConnectorSettings({ ...on, LAAS_DASHBOARD_PUBLIC_VLANS: '1010, 1011', LAAS_DASHBOARD_USER_MAP: 'Bob.Jones=bjones', LAAS_DASHBOARD_LEASE_HOURS: '2200' }, lab, api);
    expect(c.enabled && [c.publicVlans, c.userMap, c.leaseHours]).toEqual([new Set([1010, 1011]), new Map([['Bob.Jones', 'bjones']]), 2200]);
    expect(() => loadConnectorSettings({ ...on, LAAS_DASHBOARD_USER_MAP: 'bob' }, lab, api)).toThrow(/LAAS_DASHBOARD_USER_MAP: "bob" is not dashname=laasname/);
    expect(() => loadConnectorSettings({ ...on, LAAS_DASHBOARD_PUBLIC_VLANS: 'ten' }, lab, api)).toThrow(/LAAS_DASHBOARD_PUBLIC_VLANS/);
    // #1: the dashboard's URLs take the lab name as a slug.
    expect(() => loadConnectorSettings({ ...on, LAAS_DASHBOARD_LAB: 'lab.one' }, lab, api)).toThrow(/LAAS_DASHBOARD_LAB: letters, digits/);
  });

  it('names the missing or wrong key, and never repeats the token', () => {
    expect(() => loadConnectorSettings({ LAAS_DASHBOARD_URL: on.LAAS_DASHBOARD_URL }, lab, api)).toThrow(/LAAS_DASHBOARD_TOKEN: required/);
    expect(() => loadConnectorSettings({ LAAS_DASHBOARD_TOKEN: on.LAAS_DASHBOARD_TOKEN }, lab, api)).toThrow(/LAAS_DASHBOARD_URL: required/);
    expect(() => loadConnectorSettings({ ...on, LAAS_DASHBOARD_URL: 'ftp://x' }, lab, api)).toThrow(/LAAS_DASHBOARD_URL: an http\(s\) URL/);
    expect(() => loadConnectorSettings({ ...on, LAAS_DASHBOARD_POLL_MS: 'often' }, lab, api)).toThrow(/LAAS_DASHBOARD_POLL_MS/);
    expect(() => loadConnectorSettings({ ...on, LAAS_DASHBOARD_URL: 'https://lab:pw@labs.example.org' }, lab, api)).toThrow(/LAAS_DASHBOARD_URL: must not carry a user or password/);
    let message = '';
    try {
      loadConnectorSettings({ ...on, LAAS_DASHBOARD_LEASE_HOURS: '2500' }, lab, api);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/LAAS_DASHBOARD_LEASE_HOURS: 2500 exceeds lab sim's maximum lease of 2400 hours; raise maxLeaseHours/);
    expect(message).not.toContain(on.LAAS_DASHBOARD_TOKEN);
    // #17: a bound the dashboard's own bookings can reach is refused, and so is a lab whose maximum is 30 days.
    expect(() => loadConnectorSettings({ ...on, LAAS_DASHBOARD_LEASE_HOURS: '1944' }, lab, api)).toThrow(/LAAS_DASHBOARD_LEASE_HOURS: 1944 is not longer than a dashboard booking can run \(1944 h/);
    expect(() => loadConnectorSettings(on, { ...simLab, maxLeaseHours: 720 }, api)).toThrow(/LAAS_DASHBOARD_LEASE_HOURS: 2016 exceeds lab sim's maximum lease of 720 hours/);
    // The simulated lab that `npm start` runs allows the default bound, so the connector starts on it.
    expect(loadConnectorSettings(on, simLab, api)).toMatchObject({ enabled: true, leaseHours: 2016 });
    expect(() => loadConnectorSettings({ ...on, LAAS_DASHBOARD_ARCHITECTURE: 'arm' }, lab, api)).toThrow(/LAAS_DASHBOARD_ARCHITECTURE/);
  });

  it('shows URLs without the user and password they may carry', () => {
    expect(shownUrl('https://lab:s3cret@labs.example.org/')).toBe('https://labs.example.org');
  });
});
