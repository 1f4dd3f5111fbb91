/**
 * What every DirectoryDriver must do, run against a real directory. The probe
 * looks at the directory without going through the driver, so a driver cannot
 * pass by agreeing with itself.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { AccountTaken, type DirectoryDriver } from '../../drivers/directory/directory';
import { InvalidInput } from '../../drivers/errors';

export interface DirectoryProbe {
  /** The account as the directory stores it, found without the driver's escaping; null when absent. */
  account(uid: string): Promise<{ uid: string; userPassword: string; description: string[] } | null>;
  /** Whether the VPN group lists this user. */
  inVpnGroup(uid: string): Promise<boolean>;
  /** An account of that name created by hand, outside laas. */
  plantForeignAccount(uid: string, password: string): Promise<void>;
}

export interface DirectorySubject {
  driver: DirectoryDriver;
  probe: DirectoryProbe;
}

// Names unique per suite run, so suites sharing one directory never collide.
let counter = 0;
const name = (base: string): string => `${base}-${process.pid}-${++counter}`;

export function directoryConformance(label: string, factory: () => Promise<DirectorySubject> | DirectorySubject): void {
  describe(`DirectoryDriver conformance: ${label}`, () => {
    let driver: DirectoryDriver;
    let probe: DirectoryProbe;
    beforeAll(async () => {
      ({ driver, probe } = await factory());
    });

    it('creates an account in the VPN group whose delivered password binds and is not stored in clear', async () => {
      const uid = name('alice');
      const account = await driver.ensureVpnAccount({ uid, bookingId: 'b-100', project: 'opnfv' });
      expect(account.created).toBe(true);
      expect(account.uid).toBe(uid);
      expect(account.password).toMatch(/^\S{16,}$/);
      expect(await driver.checkBind(uid, account.password ?? '')).toBe(true);
      expect(await probe.inVpnGroup(uid)).toBe(true);
      const stored = await probe.account(uid);
      expect(stored?.uid).toBe(uid);
      expect(stored?.userPassword).not.toContain(account.password);
      expect(stored?.userPassword).toMatch(/^\{[A-Z0-9-]+\}/);
    });

    it('issues a new password for its own account: the new one binds, the old one no longer; not for another booking', async () => {
      const uid = name('reset');
      const account = await driver.ensureVpnAccount({ uid, bookingId: 'b-150', project: 'opnfv' });
      const fresh = await driver.resetVpnPassword(uid, 'b-150');
      expect(fresh).toMatch(/^\S{16,}$/);
      expect(fresh).not.toBe(account.password);
      expect(await driver.checkBind(uid, fresh)).toBe(true);
      expect(await driver.checkBind(uid, account.password ?? '')).toBe(false);
      expect((await probe.account(uid))?.userPassword).not.toContain(fresh);
      await expect(driver.resetVpnPassword(uid, 'b-151')).rejects.toMatchObject({ type: 'VpnAccountMissing' });
      expect(await driver.checkBind(uid, fresh)).toBe(true);
      await driver.removeVpnAccount(uid, 'b-150');
    });

    it('adopts its own account on a retry without a new password or a second entry', async () => {
      const uid = name('bob');
      const first = await driver.ensureVpnAccount({ uid, bookingId: 'b-101', project: 'opnfv' });
      const again = await driver.ensureVpnAccount({ uid, bookingId: 'b-101', project: 'opnfv' });
      expect(again).toEqual({ uid, dn: first.dn, created: false });
      // The first password still works: adoption did not reset it.
      expect(await driver.checkBind(uid, first.password ?? '')).toBe(true);
      expect(await probe.inVpnGroup(uid)).toBe(true);
    });

    it("refuses another booking's account and leaves it as it was", async () => {
      const uid = name('carol');
      const mine = await driver.ensureVpnAccount({ uid, bookingId: 'b-102', project: 'opnfv' });
      await expect(driver.ensureVpnAccount({ uid, bookingId: 'b-999', project: 'other' })).rejects.toBeInstanceOf(AccountTaken);
      await driver.removeVpnAccount(uid, 'b-999');
      expect(await driver.checkBind(uid, mine.password ?? '')).toBe(true);
      expect(await probe.inVpnGroup(uid)).toBe(true);
    });

    it('refuses an account made by hand outside laas and never removes it', async () => {
      const uid = name('dave');
      await probe.plantForeignAccount(uid, 'dave-own-password');
      await expect(driver.ensureVpnAccount({ uid, bookingId: 'b-103', project: 'opnfv' })).rejects.toBeInstanceOf(AccountTaken);
      await driver.removeVpnAccount(uid, 'b-103');
      expect(await probe.account(uid)).not.toBeNull();
      expect(await driver.checkBind(uid, 'dave-own-password')).toBe(true);
    });

    it('removes the account and its membership, and removing again or removing nothing is a no-op', async () => {
      const uid = name('erin');
      const account = await driver.ensureVpnAccount({ uid, bookingId: 'b-104', project: 'opnfv' });
      await driver.removeVpnAccount(uid, 'b-104');
      expect(await probe.account(uid)).toBeNull();
      expect(await probe.inVpnGroup(uid)).toBe(false);
      expect(await driver.checkBind(uid, account.password ?? '')).toBe(false);
      await expect(driver.removeVpnAccount(uid, 'b-104')).resolves.toBeUndefined();
      await expect(driver.removeVpnAccount(name('never'), 'b-104')).resolves.toBeUndefined();
    });

    it('keeps a name full of LDAP syntax as a plain value that matches no one else', async () => {
      const bystander = name('frank');
      const kept = await driver.ensureVpnAccount({ uid: bystander, bookingId: 'b-105', project: 'opnfv' });
      for (const uid of ['a,b=c*)(uid=*', '*', 'x\\+ #;<>"']) {
        // Were the value spliced in raw, the search would find the bystander and refuse, or the DN would split.
        const odd = await driver.ensureVpnAccount({ uid, bookingId: 'b-106', project: 'opnfv' });
        expect(odd.created).toBe(true);
        expect((await probe.account(uid))?.uid).toBe(uid);
        expect(await probe.inVpnGroup(uid)).toBe(true);
        expect(await driver.checkBind(uid, odd.password ?? '')).toBe(true);
        expect(await driver.checkBind(uid, kept.password ?? '')).toBe(false);
        await driver.removeVpnAccount(uid, 'b-106');
        expect(await probe.account(uid)).toBeNull();
      }
      expect(await driver.checkBind(bystander, kept.password ?? '')).toBe(true);
      expect(await probe.inVpnGroup(bystander)).toBe(true);
    });

    it('answers false for a wrong, empty or unknown password without throwing', async () => {
      const uid = name('grace');
      await driver.ensureVpnAccount({ uid, bookingId: 'b-107', project: 'opnfv' });
      expect(await driver.checkBind(uid, 'not-the-password')).toBe(false);
      expect(await driver.checkBind(uid, '')).toBe(false);
      expect(await driver.checkBind(name('nobody'), 'whatever')).toBe(false);
    });

    it('rejects unusable names and booking ids before touching the directory', async () => {
      for (const uid of ['', 'eve\nmallory', ' eve', 'eve ', 'x'.repeat(65)]) {
        await expect(driver.ensureVpnAccount({ uid, bookingId: 'b-108', project: 'opnfv' })).rejects.toBeInstanceOf(InvalidInput);
      }
      const uid = name('heidi');
      await expect(driver.ensureVpnAccount({ uid, bookingId: 'b 108)(x', project: 'opnfv' })).rejects.toBeInstanceOf(InvalidInput);
      expect(await probe.account(uid)).toBeNull();
    });
  });
}
