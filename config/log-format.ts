/**
 * How logs read: under `npm start` (LAAS_LOG_PRETTY=1) one line per event through pino-pretty,
 * the process name first (`worker: step imageHost finished`); elsewhere pino's JSON lines, for a
 * log collector.
 */
export function prettyLogs(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.LAAS_LOG_PRETTY === '1';
}

/** pino options for pretty lines: the level as its name, so the line can say `worker warn: ...`. */
export function prettyOptions(name: string) {
  return { formatters: { level: (label: string) => ({ level: label }) }, transport: prettyTransport(name) };
}

function prettyTransport(name: string) {
  return {
    target: 'pino-pretty',
    options: { singleLine: true, colorize: false, messageFormat: `${name} {level}: {msg}`, ignore: 'pid,hostname,name,time,level' },
  };
}
