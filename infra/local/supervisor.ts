import { setTimeout as defaultSleep } from 'node:timers/promises';

/** A process the supervisor watches: it resolves `exited` with how it ended. */
export interface Supervised {
  pid: number;
  exited: Promise<string>;
  lastOutput(): string;
  stop(): Promise<void>;
}

export interface SupervisorOptions<P extends Supervised> {
  /** What the process is, for log lines ("DynamoDB Local"). */
  name: string;
  first: P;
  /** Starts a new process and waits until it works; on failure it leaves no process behind. */
  restart(): Promise<P>;
  log(message: string): void;
  /** Waits before restart attempts 1, 2, …; the last one repeats. */
  delaysMs?: readonly number[];
  /** Waits `ms`, or less once `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<unknown>;
  now?: () => number;
}

export interface Supervisor<P> {
  current(): P;
  /** Stops the process, and one being restarted, and ends the supervision. */
  stop(): Promise<void>;
}

export const RESTART_DELAYS_MS = [100, 500, 1000, 2000, 5000] as const;

/**
 * Restarts a process each time it dies, forever, with growing pauses between failed
 * attempts. A process that was restarted is watched again from its first delay.
 */
export function supervise<P extends Supervised>(options: SupervisorOptions<P>): Supervisor<P> {
  const delays = options.delaysMs ?? RESTART_DELAYS_MS;
  const sleep =
    options.sleep ??
    ((ms: number, signal: AbortSignal) => defaultSleep(ms, undefined, { signal }).catch(() => {}));
  const stopped = new AbortController();
  const now = options.now ?? Date.now;
  let current = options.first;
  let stopping = false;

  async function restartUntilRunning(): Promise<P | undefined> {
    const since = now();
    for (let attempt = 0; !stopping; attempt++) {
      await sleep(delays[Math.min(attempt, delays.length - 1)] ?? 0, stopped.signal);
      if (stopping) return undefined;
      try {
        const started = await options.restart();
        if (stopping) {
          await started.stop();
          return undefined;
        }
        options.log(`${options.name} restarted (pid ${started.pid}) after ${now() - since} ms`);
        return started;
      } catch (error) {
        options.log(
          `${options.name} restart attempt ${attempt + 1} failed: ${(error as Error).message}`,
        );
      }
    }
    return undefined;
  }

  async function watch(): Promise<void> {
    for (;;) {
      const ending = await current.exited;
      if (stopping) return;
      const output = current.lastOutput();
      options.log(
        `${options.name} (pid ${current.pid}) died (${ending}); restarting it` +
          (output ? `. Its last output:\n${output}` : ''),
      );
      const next = await restartUntilRunning();
      if (!next) return;
      current = next;
    }
  }

  const watching = watch();
  return {
    current: () => current,
    async stop() {
      stopping = true;
      stopped.abort();
      await current.stop();
      await watching;
    },
  };
}
