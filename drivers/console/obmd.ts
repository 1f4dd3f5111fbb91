import { obmdRequest } from '../power/obmd-client';
import { ConsoleEvents, type ConsoleStream } from './source';

/**
 * An obmd node's console: `GET <uri>/console?token=`, which streams until either side closes
 * (OBMD README.md). obmd keeps one viewer per node: a second viewer, or a new token, ends this one.
 */
export async function openObmdConsole(host: string, uri: string, token: string): Promise<ConsoleStream> {
  const abort = new AbortController();
  const response = await obmdRequest({ host, uri, method: 'GET', op: 'console', token, signal: abort.signal });
  const events = new ConsoleEvents();
  let stopping = false;
  const body = response.body;
  const pump = (async () => {
    try {
      if (body) for await (const chunk of body as AsyncIterable<Uint8Array>) events.emit(Buffer.from(chunk));
      events.end(stopping ? 'stopped' : 'obmd closed the console');
    } catch (err) {
      events.end(stopping ? 'stopped' : `obmd console failed: ${(err as Error).message}`);
    }
  })();
  return {
    onData: (l) => events.onData(l),
    onEnd: (l) => events.onEnd(l),
    async stop() {
      stopping = true;
      abort.abort();
      await pump;
    },
  };
}
