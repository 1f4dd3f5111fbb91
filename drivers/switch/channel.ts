/** What one command did on the switch. */
export interface CommandOutcome {
  command: string;
  output: string;
  /** The switch refused it (an error pattern matched, a non-zero exit, an NX-API error code). */
  failed: boolean;
  /**
   * The command did not finish on the switch (killed by a signal or its own timeout, such as
   * `ovs-vsctl --timeout` ending in SIGALRM): worth trying again, unlike a refusal.
   */
  interrupted?: boolean;
}

/**
 * A way of talking to one switch: an interactive CLI, NX-API over HTTP, or
 * one SSH exec per command. It knows nothing about VLANs.
 */
export interface CommandChannel {
  /**
   * Runs the commands in order and stops after the first one that fails, so a
   * refused `interface` line is never followed by commands meant for that port.
   * `kind` lets NX-API choose between configuration and show requests.
   */
  run(commands: string[], kind: 'change' | 'read', refused: (output: string) => boolean): Promise<CommandOutcome[]>;
  close(): Promise<void>;
}
