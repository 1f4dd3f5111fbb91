import type { ColumnType } from 'kysely';

/** A node's captured serial console: the newest bytes, how many were ever written, the capture's state. */
export interface ConsoleLogsTable {
  host_id: number;
  log: ColumnType<Buffer, Buffer | undefined, Buffer>;
  /** Bytes ever written; `log` is the last min(total, limit) of them. */
  total: ColumnType<string, number | undefined, number>;
  /** starting: asked for, the worker has not opened it yet; running: being captured; ended: closed by the BMC or failed to open. */
  state: ColumnType<'starting' | 'running' | 'ended', 'starting' | 'running' | 'ended' | undefined, 'starting' | 'running' | 'ended'>;
  ended_reason: string | null;
  updated_at: ColumnType<Date, never, Date>;
}
