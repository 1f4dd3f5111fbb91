/**
 * `LAAS_REAL_PEERS=1 npm start`: the lab of booking-api.md (hosts sim-01 to sim-04 of flavor
 * sim.small, NICs eno1 and eno2 on one switch, images ubuntu-22.04 and rocky-9, VLANs
 * 1000-1099) on real peers instead of in-process simulators, registered in the product's
 * database so the worker drives it with the real drivers.
 */
import { join } from 'node:path';
import { connect } from '../../db/connection';
import { keyringFromEnv } from '../../db/crypto';
import { startRealLab, type RealLab } from '../real-lab';
import { realLabUnavailable } from './requirements';

export async function startDemoRealLab(options: { dataDir: string; databaseUrl: string; say: (line: string) => void }): Promise<RealLab> {
  const why = realLabUnavailable();
  if (why) throw new Error(`LAAS_REAL_PEERS=1 cannot run here: it ${why.startsWith('needs') ? why : `needs programs that are ${why}`}`);
  const lab = await startRealLab({
    name: 'sim',
    hosts: ['sim-01', 'sim-02', 'sim-03', 'sim-04'],
    flavor: 'sim.small',
    switchName: 'sim-switch',
    // The MACs config/sim-lab.yaml gives the same hosts, so either lab file imports over the other.
    macPrefix: '52:54:00:00',
    labFile: join(options.dataDir, 'real-lab.yaml'),
    // A deploy a person can watch in the UI: seconds, not the milliseconds tests use.
    imaging: { checkInMs: 1000, imagingMs: 5000 },
  });
  const db = connect(options.databaseUrl, { max: 1 });
  try {
    const { keyring, defaulted } = keyringFromEnv();
    const report = await lab.register(db, keyring);
    options.say(`inventory: ${report.changes.length} changes from ${lab.labFile}; device credentials sealed${defaulted ? ' with the development key (set LAAS_CREDENTIAL_KEYS)' : ''}`);
    return lab;
  } catch (err) {
    await lab.stop().catch(() => undefined);
    throw err;
  } finally {
    await db.destroy();
  }
}
