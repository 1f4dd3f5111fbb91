import type { Lab } from '../../config/lab';
import { ldapDirectoryOptionsSchema } from '../../drivers/directory/ldap-options';
import { libvirtHeadnodeOptionsSchema } from '../../drivers/headnode/libvirt-options';
import { IpmitoolPower } from '../../drivers/power/ipmitool';
import type { Findings } from './findings';
import { messageOf } from './findings';

/**
 * Checks of the lab description that its schema cannot make: values that are
 * only checked when a driver is built or first used by a worker (hours into a
 * booking), found here without touching any device.
 */
export function checkLabServices(lab: Lab, file: string, findings: Findings): void {
  lab.hosts.forEach((h, i) => {
    // A real BMC type on a simulator's address can only be a slip of the pen.
    if (h.bmc.type !== 'sim' && h.bmc.address.startsWith('sim://')) {
      findings.warning(`${file} hosts.${i}.bmc`, `host ${h.name}: BMC type ${h.bmc.type} with a sim:// address`);
    }
  });
  try {
    new IpmitoolPower({ cipherSuite: lab.ipmi.cipherSuite, timeoutMs: lab.ipmi.timeoutMs });
  } catch (err) {
    findings.error(`${file} ipmi`, messageOf(err));
  }

  if (lab.imaging.type === 'fog') {
    lab.images.forEach((im, i) => {
      // FOG ids are row numbers; the driver refuses anything else when the deploy starts.
      if (!/^[1-9]\d{0,9}$/.test(im.imagingId)) findings.error(`${file} images.${i}.imagingId`, `image ${im.name}: FOG image ids are positive whole numbers, not ${JSON.stringify(im.imagingId)}`);
    });
  }

  if (lab.directory.type === 'ldap') {
    // The password comes from the credential, checked with the database; a stand-in keeps the schema whole here.
    const parsed = ldapDirectoryOptionsSchema.safeParse({ ...lab.directory.options, bindPassword: 'checked-with-the-credential' });
    if (!parsed.success) for (const issue of parsed.error.issues) findings.error(`${file} directory.options.${issue.path.join('.')}`, issue.message);
  }

  if (lab.headnode.type === 'libvirt') {
    const parsed = libvirtHeadnodeOptionsSchema.safeParse(lab.headnode.options);
    if (!parsed.success) for (const issue of parsed.error.issues) findings.error(`${file} headnode.options.${issue.path.join('.')}`, issue.message);
  }
}
