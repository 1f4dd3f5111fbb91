import { ConsoleEvents, type ConsoleStream } from './source';

/**
 * The console of a simulated lab's host: what its serial port would show, a login prompt every
 * few seconds, so the console API can be tried on `npm start` without a BMC.
 */
export function openSimConsole(node: string, everyMs = 5000): Promise<ConsoleStream> {
  const events = new ConsoleEvents();
  let tick = 0;
  const say = () => events.emit(Buffer.from(tick++ === 0 ? `\r\nsimulated serial console of ${node}\r\n${node} login: ` : `\r\n${node} login: `));
  setImmediate(say);
  const timer = setInterval(say, everyMs);
  timer.unref();
  return Promise.resolve({
    onData: (l) => events.onData(l),
    onEnd: (l) => events.onEnd(l),
    stop() {
      clearInterval(timer);
      events.end('stopped');
      return Promise.resolve();
    },
  });
}
