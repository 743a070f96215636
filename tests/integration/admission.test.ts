import { describe, expect, it } from 'vitest';
import { useLocalService, waitFor } from '../helpers/local-service.ts';

const CAP = 3;
const CLIENTS = 3;
const TASKS = 3 * CAP;

const local = useLocalService({ env: { MAX_RUNNING_TASKS: String(CAP) } });

interface Task {
  task_id: string;
  status: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

const at = (time: string | null) => new Date(time ?? 0).getTime();

/** The most tasks whose [started_at, finished_at] overlap at any moment. */
function mostAtOnce(tasks: readonly Task[]): number {
  const edges = tasks.flatMap((task) => [
    { at: at(task.started_at), change: 1 },
    { at: at(task.finished_at), change: -1 },
  ]);
  // At equal times an end comes first: a slot is freed before it is taken again.
  edges.sort((a, b) => a.at - b.at || a.change - b.change);
  let now = 0;
  let most = 0;
  for (const edge of edges) {
    now += edge.change;
    most = Math.max(most, now);
  }
  return most;
}

describe(`admission with MAX_RUNNING_TASKS=${CAP}`, () => {
  it(`runs a burst of ${TASKS} tasks from ${CLIENTS} clients, never more than ${CAP} at once, all to SUCCESS, oldest first`, async () => {
    const statuses: number[] = [];
    const serverErrors: string[] = [];
    const api: typeof local.api = async (...args) => {
      const answer = await local.api(...args);
      statuses.push(answer.status);
      if (answer.status >= 500)
        serverErrors.push(`${args[0]} ${args[1]}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer;
    };
    const runningSeen: number[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const { status, body } = await api('GET', '/tasks?status=RUNNING&limit=100');
        if (status === 200) runningSeen.push((body as Task[]).length);
        await new Promise((done) => setTimeout(done, 50));
      }
    })();
    // When each create was answered: by then its task was stored and waiting.
    const answeredAt = new Map<string, number>();
    const created = (
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          const mine: Task[] = [];
          for (let n = 0; n < TASKS / CLIENTS; n++) {
            const { body } = await api('POST', '/tasks', { input: { duration_seconds: 1 } });
            mine.push(body as Task);
            answeredAt.set((body as Task).task_id, Date.now());
          }
          return mine;
        }),
      )
    ).flat();
    expect(created).toHaveLength(TASKS);
    // Beyond the cap a task waits PENDING: it is not failed, and not started.
    expect(created.filter((task) => task.status !== 'PENDING')).toEqual([]);

    const tasks = await waitFor(
      async () => {
        const all = await Promise.all(
          created.map(async ({ task_id }) => {
            const { body } = await api('GET', `/tasks/${task_id}/status`);
            return body as Task;
          }),
        );
        return all.every((task) => task.status === 'SUCCESS') ? all : undefined;
      },
      60_000,
      250,
    );
    polling = false;
    await poller;

    expect(serverErrors).toEqual([]);
    expect(statuses.length).toBeGreaterThan(TASKS * 2);
    expect(Math.max(...runningSeen)).toBeLessThanOrEqual(CAP);
    // Start and end times are taken just before the transactions that take and free a slot
    // commit, so two intervals may overlap by those moments: at most one more than the cap.
    expect(mostAtOnce(tasks)).toBeLessThanOrEqual(CAP + 1);
    expect(mostAtOnce(tasks)).toBeGreaterThan(1);

    // Dispatchers admit a round's candidates together: under load a newer task of the same
    // round can commit a moment before an older one whose transaction was retried.
    const ROUND_MS = 2_000;
    // Oldest first: no task started before an older one that was already stored and waiting
    // then. An id is made before its create's write commits, which under load can take a
    // second or more, so "waiting" counts from the create's answer.
    const byId = [...tasks].sort((a, b) => (a.task_id < b.task_id ? -1 : 1));
    const overtaken = byId.flatMap((older, i) =>
      byId
        .slice(i + 1)
        .filter(
          (newer) =>
            at(newer.started_at) < at(older.started_at) &&
            (answeredAt.get(older.task_id) ?? Number.POSITIVE_INFINITY) + ROUND_MS <
              at(newer.started_at),
        )
        .map((newer) => `${newer.task_id} started before the older ${older.task_id}`),
    );
    expect(overtaken).toEqual([]);
  }, 120_000);
});
