import { InvalidInput } from '../errors';
import { type HeadnodeSpec } from './headnode';

const uuidShape = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * virsh looks a domain argument up as an id first, then a UUID, then a name:
 * a headnode called `1` or a UUID-shaped name would act on some other domain.
 * So a name starts with a letter and is never UUID-shaped; it is also a file name
 * (the overlay), hence no slashes.
 */
export function checkHeadnodeName(name: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9_.-]{0,62}$/.test(name)) {
    throw new InvalidInput('headnode name', String(name), 'must start with a letter and have at most 63 letters, digits, dots, dashes or underscores');
  }
  if (uuidShape.test(name)) throw new InvalidInput('headnode name', name, 'must not look like a UUID (virsh would take it as one)');
  return name;
}

const intIn = (what: string, value: number, min: number, max: number): number => {
  if (!Number.isInteger(value) || value < min || value > max) throw new InvalidInput(what, String(value), `must be a whole number from ${min} to ${max}`);
  return value;
};

/** Every value of the spec that ends up in XML or on a command line, checked before any of it is used. */
export function checkHeadnodeSpec(spec: HeadnodeSpec): HeadnodeSpec {
  const name = checkHeadnodeName(spec.name);
  if (typeof spec.baseImage !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(spec.baseImage)) {
    throw new InvalidInput('base image', String(spec.baseImage), 'must be a file name of letters, digits, dots, dashes or underscores');
  }
  const vcpus = intIn('vCPU count', spec.vcpus, 1, 64);
  const memoryMiB = intIn('memory (MiB)', spec.memoryMiB, 64, 262_144);
  if (!Array.isArray(spec.networks) || spec.networks.length === 0 || spec.networks.length > 16) {
    throw new InvalidInput('headnode networks', String(spec.networks?.length ?? 0), 'must list 1 to 16 networks');
  }
  const seen = new Set<string>();
  const networks = spec.networks.map((n) => {
    if (typeof n.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/.test(n.name)) {
      throw new InvalidInput('network name', String(n.name), 'must have at most 32 letters, digits, dots, dashes or underscores');
    }
    if (seen.has(n.name)) throw new InvalidInput('network name', n.name, 'is listed twice');
    seen.add(n.name);
    return { name: n.name, vlan: intIn('VLAN id', n.vlan, 1, 4094) };
  });
  return { name, baseImage: spec.baseImage, vcpus, memoryMiB, networks };
}
