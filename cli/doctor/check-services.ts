import { Connection } from '@temporalio/client';
// @temporalio/proto is CommonJS: under plain Node ESM only its default export is there.
import proto from '@temporalio/proto';
import { DEVELOPMENT_API_TOKEN } from '../../config/settings';
import { payloadKeyringFromEnv, ENV_VAR as PAYLOAD_KEYS } from '../../config/payload-codec';
import { SEARCH_ATTRIBUTES, taskQueueOf } from '../../workflows/definitions';
import { DEFAULT_API_URL } from '../commands/api-client';
import { messageOf, type Findings } from './findings';

const { temporal } = proto;
const TYPE_NAMES: Record<number, string> = {
  [temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]: 'Keyword',
  [temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST]: 'KeywordList',
  [temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT]: 'Text',
  [temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT]: 'Int',
  [temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME]: 'Datetime',
  [temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL]: 'Bool',
  [temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE]: 'Double',
};

export interface ServiceTarget {
  address: string;
  namespace: string;
  lab: string;
  timeoutMs: number;
}

/** The six search attributes laas writes, each with its type: a missing one fails every booking's start. */
async function checkSearchAttributes(connection: Connection, namespace: string, findings: Findings): Promise<void> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) {
    const found = customAttributes?.[name];
    const create = `temporal operator search-attribute create --namespace ${namespace} --name ${name} --type ${type}`;
    if (found === undefined) findings.error(`temporal search attribute ${name}`, `missing in namespace ${namespace}: ${create}`);
    else if (TYPE_NAMES[found] !== type) findings.error(`temporal search attribute ${name}`, `is ${TYPE_NAMES[found] ?? found}, laas needs ${type}`);
  }
}

/** A worker polls the lab's task queue, or bookings wait for ever in "provisioning". */
async function checkWorker(connection: Connection, target: ServiceTarget, findings: Findings): Promise<void> {
  const queue = taskQueueOf(target.lab);
  const { pollers } = await connection.workflowService.describeTaskQueue({
    namespace: target.namespace,
    taskQueue: { name: queue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  if (!pollers?.length) findings.error(`temporal task queue ${queue}`, `no worker polls it: bookings of lab ${target.lab} would not run (start one: npm run worker)`);
  else findings.note(`temporal task queue ${queue}`, `${pollers.length} worker(s) polling: ${pollers.map((p) => p.identity).join(', ')}`);
}

/** Temporal reachable, the namespace there, the search attributes right, a worker polling. */
export async function checkTemporal(target: ServiceTarget, findings: Findings): Promise<void> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: target.address, connectTimeout: target.timeoutMs });
    await connection.workflowService.getSystemInfo({});
  } catch (err) {
    findings.error('temporal', `cannot reach Temporal at ${target.address} (TEMPORAL_ADDRESS): ${messageOf(err)}`);
    return;
  }
  try {
    try {
      await connection.workflowService.describeNamespace({ namespace: target.namespace });
    } catch (err) {
      findings.error('temporal namespace', `namespace ${target.namespace} (TEMPORAL_NAMESPACE) not found: ${messageOf(err)}`);
      return;
    }
    await checkSearchAttributes(connection, target.namespace, findings);
    await checkWorker(connection, target, findings);
  } catch (err) {
    findings.error('temporal', `${target.address} failed while being read: ${messageOf(err)}`);
  } finally {
    await connection.close();
  }
}

/** The API answers its health check (LAAS_API_URL). */
export async function checkApi(env: NodeJS.ProcessEnv, timeoutMs: number, findings: Findings): Promise<void> {
  const url = `${(env.LAAS_API_URL ?? '').trim() || DEFAULT_API_URL}/healthz`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) findings.error('api', `${url} answered ${res.status}`);
  } catch (err) {
    findings.error('api', `${url} did not answer (LAAS_API_URL): ${messageOf(err)}`);
  }
}

/** Development defaults are public: fine on a laptop, a leak anywhere else. */
export function checkDevelopmentSecrets(env: NodeJS.ProcessEnv, findings: Findings): void {
  if (payloadKeyringFromEnv(env).defaulted) findings.warning(`environment ${PAYLOAD_KEYS}`, 'unset: payloads are encrypted with the public development key dev-insecure');
  const token = env.LAAS_API_TOKEN;
  if (!token || token === DEVELOPMENT_API_TOKEN) findings.warning('environment LAAS_API_TOKEN', 'the development token guards the API: set LAAS_API_TOKEN');
  if (!env.LAAS_CREDENTIAL_KEYS?.trim()) findings.warning('environment LAAS_CREDENTIAL_KEYS', 'unset: device credentials are sealed with the public development key');
}
