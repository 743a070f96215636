import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EXIT, runCli } from '../../cli/program.ts';
import { PENDING_TASK_ANSWER as TASK } from '../helpers/task-answer.ts';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** Runs `tasks …` against answers scripted by path, and returns what it printed and sent. */
async function run(argv: string[], answer: (url: URL) => Response) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const urls: string[] = [];
  const fetch = async (request: Request) => {
    urls.push(request.url);
    return answer(new URL(request.url));
  };
  const code = await runCli(['--url', 'http://api.test', '--token', 't', ...argv], {
    stdout,
    stderr,
    fetch,
  });
  return { code, out: String(stdout.read() ?? ''), err: String(stderr.read() ?? ''), urls };
}

describe('tasks search, totals and show', () => {
  it('search prints the matching tasks as ls does, following every page with --all', async () => {
    const second = { ...TASK, task_id: '01JDZ0N5Q8W4X3M2V7K9T6R1BD', name: 'Report 2' };
    const { code, out, urls } = await run(['search', 'rep', '--all', '--limit', '1'], (url) =>
      url.searchParams.get('cursor')
        ? json(200, [second])
        : new Response(JSON.stringify([{ ...TASK, name: 'report 1' }]), {
            headers: { link: '</tasks?search=rep&limit=1&cursor=c1>; rel="next"' },
          }),
    );
    expect(code).toBe(EXIT.ok);
    expect(out.trim().split('\n')).toEqual([
      `${TASK.task_id}  PENDING     0%  report 1`,
      `${second.task_id}  PENDING     0%  Report 2`,
    ]);
    expect(urls).toEqual([
      'http://api.test/tasks?search=rep&limit=1',
      'http://api.test/tasks?search=rep&limit=1&cursor=c1',
    ]);
  });

  it('totals prints a count per status and the sum', async () => {
    const counts = { PENDING: 1, RUNNING: 2, SUCCESS: 3, FAILURE: 0, CANCELLED: 4 };
    const { code, out } = await run(['totals'], () => json(200, { counts, total: 10 }));
    expect(code).toBe(EXIT.ok);
    expect(out.trim().split('\n')).toEqual([
      'PENDING   1',
      'RUNNING   2',
      'SUCCESS   3',
      'FAILURE   0',
      'CANCELLED 4',
      'total     10',
    ]);
  });

  it('show prints the task with its timeline as JSON, and exits 4 for an unknown task', async () => {
    const detail = { ...TASK, events: [{ at: TASK.created_at, type: 'created' }] };
    const shown = await run(['show', TASK.task_id], () => json(200, detail));
    expect(JSON.parse(shown.out)).toEqual(detail);
    expect(shown.urls).toEqual([`http://api.test/tasks/${TASK.task_id}`]);
    const missing = await run(['show', 'nope'], () =>
      json(404, { error: 'Task nope not found', code: 'task_not_found' }),
    );
    expect(missing.code).toBe(EXIT.refused);
    expect(missing.err).toBe('tasks: Task nope not found (task_not_found)\n');
  });
});
