import { describe, expect, it } from 'vitest';
import { type Supervised, supervise } from '../../infra/local/supervisor.ts';

/** A fake process whose death the test decides. */
function fakeProcess(pid: number) {
  let die: (how: string) => void = () => {};
  const exited = new Promise<string>((resolve) => {
    die = resolve;
  });
  const process = {
    pid,
    exited,
    stopped: false,
    lastOutput: () => `output of ${pid}`,
    async stop() {
      process.stopped = true;
      die('signal SIGTERM');
    },
  };
  return Object.assign(process, { die: (how: string) => die(how) });
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

function harness(outcomes: (ReturnType<typeof fakeProcess> | Error)[]) {
  const log: string[] = [];
  const waits: number[] = [];
  let restarts = 0;
  const first = fakeProcess(1);
  const supervisor = supervise<Supervised>({
    name: 'DB',
    first,
    restart: async () => {
      const outcome = outcomes[restarts++];
      if (!outcome || outcome instanceof Error) throw outcome ?? new Error('no more');
      return outcome;
    },
    log: (message) => log.push(message),
    delaysMs: [10, 20, 40],
    sleep: async (ms) => {
      waits.push(ms);
    },
    now: () => 0,
  });
  return { first, supervisor, log, waits, restarts: () => restarts };
}

describe('supervise', () => {
  it('logs a death with the last output and restarts the process', async () => {
    const second = fakeProcess(2);
    const { first, supervisor, log, waits } = harness([second]);
    first.die('signal SIGKILL');
    await tick();
    expect(log[0]).toBe(
      'DB (pid 1) died (signal SIGKILL); restarting it. Its last output:\noutput of 1',
    );
    expect(log[1]).toBe('DB restarted (pid 2) after 0 ms');
    expect(waits).toEqual([10]);
    expect(supervisor.current()).toBe(second);
  });

  it('waits longer after each failed attempt, repeating the longest pause', async () => {
    const fifth = fakeProcess(5);
    const fail = new Error('port taken');
    const { first, supervisor, log, waits } = harness([fail, fail, fail, fifth]);
    first.die('exit code 1');
    for (let i = 0; i < 10; i++) await tick();
    expect(waits).toEqual([10, 20, 40, 40]);
    expect(log.filter((line) => line.includes('failed: port taken'))).toHaveLength(3);
    expect(supervisor.current()).toBe(fifth);
  });

  it('watches a restarted process again from the first pause', async () => {
    const second = fakeProcess(2);
    const third = fakeProcess(3);
    const { first, supervisor, waits } = harness([second, third]);
    first.die('signal SIGKILL');
    await tick();
    second.die('signal SIGKILL');
    await tick();
    expect(waits).toEqual([10, 10]);
    expect(supervisor.current()).toBe(third);
  });

  it('does not restart a process it was told to stop', async () => {
    const { first, supervisor, log, restarts } = harness([fakeProcess(2)]);
    await supervisor.stop();
    expect(first.stopped).toBe(true);
    expect(restarts()).toBe(0);
    expect(log).toEqual([]);
  });
});
