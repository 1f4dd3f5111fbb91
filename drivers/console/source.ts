/** A live serial console: bytes as they arrive, until it ends or is stopped. */
export interface ConsoleStream {
  onData(listener: (chunk: Buffer) => void): void;
  /** Called once, when the console ended by itself (the BMC dropped it) or was stopped. */
  onEnd(listener: (reason: string) => void): void;
  stop(): Promise<void>;
}

/** Opens a node's console: SOL through ipmitool, obmd's console stream, or the simulated lab's. */
export type ConsoleOpener = (node: string) => Promise<ConsoleStream>;

/** A ConsoleStream's listener plumbing, for sources to build on. */
export class ConsoleEvents {
  private readonly data: ((chunk: Buffer) => void)[] = [];
  private readonly ends: ((reason: string) => void)[] = [];
  private ended: string | null = null;

  onData(listener: (chunk: Buffer) => void): void {
    this.data.push(listener);
  }

  onEnd(listener: (reason: string) => void): void {
    if (this.ended !== null) listener(this.ended);
    else this.ends.push(listener);
  }

  emit(chunk: Buffer): void {
    if (this.ended === null) for (const l of this.data) l(chunk);
  }

  end(reason: string): void {
    if (this.ended !== null) return;
    this.ended = reason;
    for (const l of this.ends) l(reason);
  }

  get isEnded(): boolean {
    return this.ended !== null;
  }
}
