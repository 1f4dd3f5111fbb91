import { defineQuery, defineSignal } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { BookingStatus, HostProgress, HostStatus, Leftover } from './types';

export const bookingStatusQuery = defineQuery<BookingStatus>('bookingStatus');
export const hostStatusQuery = defineQuery<HostStatus>('hostStatus');

/** Release the booking now (or abort it while provisioning). */
export const releaseSignal = defineSignal<[{ reason: string }]>('release');
/** Parent → host child: undo everything on this host and finish. */
export const teardownSignal = defineSignal('teardown');
/** Host child → parent: a step changed state. */
export const hostProgressSignal = defineSignal<[HostProgress]>('hostProgress');
/** Host child → parent: every step is done; the host is ready. */
export const hostReadySignal = defineSignal<[{ host: string }]>('hostReady');
/** Host child → parent: undos that failed for good. */
export const hostLeftoversSignal = defineSignal<[{ host: string; leftovers: Leftover[] }]>('hostLeftovers');

export const BookingIdKey = defineSearchAttributeKey('BookingId', SearchAttributeType.KEYWORD);
export const LabNameKey = defineSearchAttributeKey('LabName', SearchAttributeType.KEYWORD);
export const ProjectKey = defineSearchAttributeKey('Project', SearchAttributeType.KEYWORD);
export const BookingStateKey = defineSearchAttributeKey('BookingState', SearchAttributeType.KEYWORD);
export const HostNamesKey = defineSearchAttributeKey('HostNames', SearchAttributeType.KEYWORD_LIST);

/** What `temporal server start-dev --search-attribute` must declare. */
export const SEARCH_ATTRIBUTES: Record<string, 'Keyword' | 'KeywordList'> = {
  BookingId: 'Keyword',
  LabName: 'Keyword',
  Project: 'Keyword',
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
