import { describe, expect, it } from 'vitest';
import { ConfigError, loadSettings } from '../../config/settings';

describe('LAAS_WORKER_CACHED_WORKFLOWS', () => {
  it('is unset by default: the worker sizes its cache from its heap', () => {
    expect(loadSettings({}).LAAS_WORKER_CACHED_WORKFLOWS).toBeUndefined();
  });

  it('takes a whole number of workflows', () => {
    expect(loadSettings({ LAAS_WORKER_CACHED_WORKFLOWS: '500' }).LAAS_WORKER_CACHED_WORKFLOWS).toBe(500);
  });

  it('refuses zero and words, naming the setting', () => {
    for (const value of ['0', 'lots', '2.5']) {
      expect(() => loadSettings({ LAAS_WORKER_CACHED_WORKFLOWS: value })).toThrow(ConfigError);
      expect(() => loadSettings({ LAAS_WORKER_CACHED_WORKFLOWS: value })).toThrow(/LAAS_WORKER_CACHED_WORKFLOWS/);
    }
  });
});
