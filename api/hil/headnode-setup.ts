import { readdir } from 'node:fs/promises';
import type { Lab } from '../../config/lab';
import { LibvirtHeadnodes } from '../../drivers/headnode/libvirt';
import { parseLibvirtHeadnodeOptions, type LibvirtHeadnodeInput } from '../../drivers/headnode/libvirt-options';
import type { HilHeadnodes } from './routes/headnodes';

/**
 * HIL's headnodes for a lab whose headnodes run on libvirt: the lab's driver, and as HIL's
 * `base_imgs` the `<name>.qcow2` images in its image directory. None for a simulated lab.
 */
export async function hilHeadnodesOf(lab: Lab): Promise<HilHeadnodes | undefined> {
  if (lab.headnode.type !== 'libvirt') return undefined;
  const input = lab.headnode.options as LibvirtHeadnodeInput;
  const { imageDir } = parseLibvirtHeadnodeOptions(input);
  const files = await readdir(imageDir).catch(() => [] as string[]);
  return { driver: new LibvirtHeadnodes(input), images: files.filter((f) => f.endsWith('.qcow2')).map((f) => f.slice(0, -'.qcow2'.length)) };
}
