import { loadSettings } from '../config/settings';
import { loadLab } from '../config/load-lab';
import { connect } from '../db/connection';
import { createConnector } from './connector';
import { DashboardClient, LaasClient, shownUrl } from './connector-clients';
import type { HostState } from './connector-housekeeping';
import { loadConnectorSettings } from './connector-settings';

/**
 * The LaaS 2.x dashboard connector (docs/dashboard-2x.md): an optional process beside the API and
 * the workers, off unless LAAS_DASHBOARD_URL and LAAS_DASHBOARD_TOKEN are set. Runs until SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  const settings = loadSettings();
  const lab = loadLab(settings.LAAS_LAB_FILE);
  const config = loadConnectorSettings(process.env, lab, settings);
  if (!config.enabled) {
    console.log('dashboard connector: off (set LAAS_DASHBOARD_URL and LAAS_DASHBOARD_TOKEN to turn it on)');
    return;
  }
  for (const w of config.warnings) console.warn(`dashboard connector: ${w}`);
  const db = connect(settings.DATABASE_URL, { max: 2 });
  // laas's own word on its hosts: one in maintenance (or retired) is not working on the dashboard.
  const hostStates = async () => {
    const rows = await db.selectFrom('hosts').innerJoin('labs', 'labs.id', 'hosts.lab_id').select(['hosts.name', 'hosts.state']).where('labs.name', '=', lab.name).execute();
    return new Map<string, HostState>(rows.map((r) => [r.name, r.state]));
  };
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  const connector = createConnector({
    dashboard: new DashboardClient({ url: config.dashboardUrl, lab: config.dashboardLab, token: config.dashboardToken }),
    laas: new LaasClient({ url: config.apiUrl, token: config.apiToken }),
    lab,
    project: config.project,
    fallbackOwner: config.fallbackOwner,
    leaseHours: config.leaseHours,
    alertHours: config.alertHours,
    publicVlans: config.publicVlans,
    userMap: config.userMap,
    loginUser: config.loginUser,
    imageArchitecture: config.imageArchitecture,
    hostStates,
    log: { info: (m) => console.log(`connector: ${m}`), warn: (m) => console.warn(`connector: ${m}`) },
  });
  // The tokens stay out of this line and every other: URLs are shown without user or password.
  console.log(
    `dashboard connector: lab ${config.dashboardLab} on ${shownUrl(config.dashboardUrl)}, every ${config.pollMs} ms; bookings through ${shownUrl(config.apiUrl)} in project ${config.project}`,
  );
  await connector.run(controller.signal, config.pollMs);
  await db.destroy();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
