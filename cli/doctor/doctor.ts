import { settingsSchema } from '../../config/settings';
import { isSimulatedLab } from '../../workers/drivers';
import { checkDevices, switchDriversOf } from './check-devices';
import { checkLabServices } from './check-lab';
import { checkApi, checkDevelopmentSecrets, checkTemporal } from './check-services';
import { openCredentials, workersKeyring, type OpenedCredentials } from './credentials';
import { devicesFromFile, type LabDevices } from './devices';
import { Findings, messageOf } from './findings';
import { checkInventory, openDatabase, shownUrl } from './inventory';
import { readLabDescription } from './lab-file';
import { probeTasks } from './probes';
import { isOk, type DoctorReport } from './report';
import { runProbes } from './run-probes';

export interface DoctorOptions {
  /** Where the settings come from, as for the worker: process.env by default. */
  env: NodeJS.ProcessEnv;
  /** Also make one read-only call to every device. */
  probe: boolean;
  /** Bound on each device's answer, in ms. */
  timeoutMs: number;
  /** Devices asked at the same time. */
  concurrency: number;
  /** Also check Temporal (namespace, search attributes, a worker polling) and the API (default on). */
  services?: boolean;
}

/**
 * Reads what a worker reads (settings, lab description, inventory, credentials),
 * checks all of it without touching a device, then, when asked, probes every
 * device read-only. Problems are collected, never thrown: one run shows them all.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const findings = new Findings();
  const settings = settingsSchema.safeParse(options.env);
  if (!settings.success) {
    for (const issue of settings.error.issues) findings.error(`environment ${issue.path.join('.')}`, issue.message);
    return { ok: false, lab: null, file: String(options.env.LAAS_LAB_FILE ?? '(LAAS_LAB_FILE)'), source: null, simulated: false, findings: findings.list, probe: null };
  }
  const file = settings.data.LAAS_LAB_FILE;
  const labFile = await readLabDescription(file, findings);
  if (!labFile) return { ok: false, lab: null, file, source: null, simulated: false, findings: findings.list, probe: null };
  const { lab } = labFile;
  const simulated = isSimulatedLab(lab);
  checkLabServices(lab, file, findings);

  const url = settings.data.DATABASE_URL;
  const db = openDatabase(url, Math.min(options.timeoutMs, 5_000));
  let devices: LabDevices = devicesFromFile(lab, file);
  let credentials: OpenedCredentials | null = null;
  try {
    const inventory = await checkInventory(db, url, labFile, simulated, findings);
    devices = inventory.devices;
    checkDevices(lab, devices, findings);
    if (simulated) {
      // The worker's simulated devices accept anything; it looks no credential up (workers/main.ts).
      credentials = new Map();
    } else if (inventory.usable) {
      const keyring = workersKeyring(options.env, findings);
      if (keyring) credentials = await openCredentials(db, keyring, lab, devices, findings);
    }
  } catch (err) {
    findings.error('database', `${shownUrl(url)} failed while being read: ${messageOf(err)}`);
  } finally {
    await db.destroy();
  }

  checkDevelopmentSecrets(options.env, findings);
  if (options.services !== false) {
    const target = { address: settings.data.TEMPORAL_ADDRESS, namespace: settings.data.TEMPORAL_NAMESPACE, lab: lab.name, timeoutMs: Math.min(options.timeoutMs, 5_000) };
    await Promise.all([checkTemporal(target, findings), checkApi(options.env, target.timeoutMs, findings)]);
  }
  const probe = options.probe
    ? await runProbes(probeTasks(lab, devices, credentials, { timeoutMs: options.timeoutMs, switchDrivers: switchDriversOf(lab) }), options)
    : null;
  return { ok: isOk(findings.list, probe), lab: lab.name, file, source: devices.source, simulated, findings: findings.list, probe };
}
