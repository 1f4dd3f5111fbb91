import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { BookingStatus, HoldDecision, HostProgress, HostStatus, Leftover, StepRecord } from './types';

export const bookingStatusQuery = defineQuery<BookingStatus>('bookingStatus');
export const hostStatusQuery = defineQuery<HostStatus>('hostStatus');

/** Release the booking now (or abort it while provisioning). */
export const releaseSignal = defineSignal<[{ reason: string }]>('release');
/** Move the lease end; refused (with the conflicting range) when the hosts or VLANs are taken. */
export const extendUpdate = defineUpdate<{ end: string }, [{ end: string }]>('extend');
/** An operator's answer to held hosts: retry the failed step, or abort (compensate). */
export const resolveHoldUpdate = defineUpdate<{ hosts: string[] }, [{ action: HoldDecision; host?: string }]>('resolveHold');
/** Run the undos that failed again (after the operator fixed the cause). */
export const retryCleanupUpdate = defineUpdate<{ leftovers: Leftover[] }, []>('retryCleanup');

/** What admission answers: the hosts in request order and each booking network's VLAN. */
export interface Admission {
  hosts: string[];
  networks: { name: string; vlan: number | null }[];
}
/** Why a booking was not admitted, with the range of the holding it conflicts with when known. */
export interface Refusal {
  type: string;
  message: string;
  conflict?: { start: string; end: string | null };
}
/**
 * Sent with the booking's start (Update-with-Start): answers once the allocation is made, or
 * fails with the allocator's refusal, after which the booking ends holding nothing.
 */
export const admitUpdate = defineUpdate<Admission, []>('admit');
/**
 * Give more users access to an active booking (liblaas's addusers): their SSH keys on every host
 * (tagged with the booking, so the hosts' undo removes them) and VPN accounts, undone with the booking's.
 */
export const addAccessUpdate = defineUpdate<{ vpnAccounts: string[] }, [{ users: string[]; sshKeys: string[] }]>('addAccess');

/** The API has shown the generated VPN passwords to the user: the booking forgets them. */
export const credentialsDeliveredSignal = defineSignal('credentialsDelivered');
/**
 * Hand the generated VPN passwords over and forget them, in one step: of two readers asking at
 * once, one gets them and the other gets null.
 */
export const claimCredentialsUpdate = defineUpdate<Record<string, string> | null, []>('claimCredentials');
/** The owner's request for new VPN passwords (all the booking's accounts, or these): answers them. */
export const resetVpnPasswordUpdate = defineUpdate<Record<string, string>, [{ users?: string[] }]>('resetVpnPassword');
/**
 * Re-image one host of an active booking with another image: its power, imaging, network and
 * access steps run again (its switch ports stay as they are). Answers once the host was asked.
 */
export const reimageUpdate = defineUpdate<{ host: string; image: string; reimage: number }, [{ host: string; image: string }]>('reimage');
/** Parent → host child: run power, imaging, network and access again with this image. */
export const reimageSignal = defineSignal<[{ image: string; reimage: number }]>('reimage');
/** Host child → parent: a re-image finished (its steps are done again). */
export const hostReimagedSignal = defineSignal<[{ host: string; image: string; reimage: number } & HostSnapshot]>('hostReimaged');
/** Parent → host child: undo everything on this host and finish. */
export const teardownSignal = defineSignal('teardown');
/** Parent → host child: the operator's decision on a held step. */
export const holdDecisionSignal = defineSignal<[{ action: HoldDecision }]>('holdDecision');
/** Parent → host child: run the failed undos again. */
export const retryCleanupSignal = defineSignal('retryCleanup');
/** Host child → parent: a step changed state. */
export const hostProgressSignal = defineSignal<[HostProgress]>('hostProgress');
/** Host child → parent: every step is done; the host is ready. */
export const hostReadySignal = defineSignal<[{ host: string } & HostSnapshot]>('hostReady');
/**
 * A host's undos have run. `failure` is set when the host failed: with leftovers the host cannot
 * finish failing until they are cleaned up, so this is how the booking hears of the failure in time.
 */
export const hostLeftoversSignal = defineSignal<[{ host: string; leftovers: Leftover[]; failure?: { type: string; message: string } } & HostSnapshot]>('hostLeftovers');

/**
 * Every step record as the host sees it, with the report counter: a host's progress reports are
 * not awaited, so the ready and leftovers reports carry the final records themselves (absent in
 * histories from before the host-progress-not-awaited patch).
 */
export interface HostSnapshot {
  steps?: StepRecord[];
  seq?: number;
}

export const BookingIdKey = defineSearchAttributeKey('BookingId', SearchAttributeType.KEYWORD);
export const LabNameKey = defineSearchAttributeKey('LabName', SearchAttributeType.KEYWORD);
export const ProjectKey = defineSearchAttributeKey('Project', SearchAttributeType.KEYWORD);
export const OwnerKey = defineSearchAttributeKey('Owner', SearchAttributeType.KEYWORD);
export const BookingStateKey = defineSearchAttributeKey('BookingState', SearchAttributeType.KEYWORD);
export const HostNamesKey = defineSearchAttributeKey('HostNames', SearchAttributeType.KEYWORD_LIST);

/** What `temporal server start-dev --search-attribute` must declare. */
export const SEARCH_ATTRIBUTES: Record<string, 'Keyword' | 'KeywordList'> = {
  BookingId: 'Keyword',
  LabName: 'Keyword',
  Project: 'Keyword',
  Owner: 'Keyword',
  BookingState: 'Keyword',
  HostNames: 'KeywordList',
};

export function bookingWorkflowId(bookingId: string): string {
  return `booking-${bookingId}`;
}

export function hostWorkflowId(bookingId: string, host: string): string {
  return `booking-${bookingId}-host-${host}`;
}

/** Each lab's workers poll their own task queue, inside that lab's management network. */
export function taskQueueOf(lab: string): string {
  return `laas-${lab}`;
}
