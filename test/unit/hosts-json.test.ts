import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HostsJsonError, looksLikeHostsJson, parseHostsJson } from '../../config/hosts-json';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));

describe('the old LaaS hosts.json', () => {
  it('reads hosts keyed by name, with their interfaces keyed by MAC', () => {
    const hosts = parseHostsJson(fixture('hosts.json'), 'hosts.json');
    expect(hosts).toEqual([
      {
        name: 'pod1',
        externalId: '51',
        imagingName: 'pod1-fog',
        defaultImages: { ubuntu: '18', centos: '19', suse: '20' },
        nics: [
          { mac: '00:1e:67:d4:36:9a', bus: '0000:01:00.0', switchAddress: '10.10.30.1', port: 'Ethernet1/34', osName: 'eno49' },
          { mac: '00:1e:67:d4:36:9b', bus: '0000:01:00.1', switchAddress: '10.10.30.1', port: 'Ethernet1/35', osName: 'eno50' },
        ],
      },
      {
        name: 'pod2',
        externalId: '52',
        imagingName: 'pod2-fog',
        defaultImages: { ubuntu: '18' },
        nics: [{ mac: '00:1e:67:d4:40:10', bus: '0000:02:00.0', switchAddress: '10.10.30.1', port: 'Ethernet1/36', osName: 'eno49' }],
      },
    ]);
  });

  it('takes a list, or {"hosts": [...]}, as well', () => {
    const entry = { hostname: 'h1', interfaces: { 'AA:BB:CC:00:00:01': { switch: 's', port: 'Ethernet1/1', name: 'eth0' } } };
    expect(parseHostsJson([entry], 'x')[0]?.nics[0]?.mac).toBe('aa:bb:cc:00:00:01');
    expect(parseHostsJson({ hosts: [entry] }, 'x')[0]?.name).toBe('h1');
    expect(looksLikeHostsJson({ hosts: [entry] })).toBe(true);
    expect(looksLikeHostsJson({ name: 'lab', switches: [] })).toBe(false);
  });

  it('reports every problem with its path', () => {
    let problems: string[] = [];
    try {
      parseHostsJson(fixture('hosts-invalid.json'), 'hosts-invalid.json');
    } catch (err) {
      expect(err).toBeInstanceOf(HostsJsonError);
      problems = (err as HostsJsonError).problems;
    }
    expect(problems).toEqual([
      '0.interfaces.not-a-mac.mac: "not-a-mac" is not a MAC address like 52:54:00:12:34:56',
      '0.interfaces.00:1e:67:d4:50:01.port: Invalid input: expected string, received undefined',
      '1.hostname: required when hosts are listed rather than keyed by name',
    ]);
  });
});
