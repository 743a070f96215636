import { describe, expect, it } from 'vitest';
import { progressView } from '../../cli/progress.ts';
import type { Task } from '../../client/index.ts';

function stream(isTTY: boolean) {
  let text = '';
  return {
    isTTY,
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
    text: () => text,
  } as unknown as NodeJS.WritableStream & { isTTY: boolean; text(): string };
}

const task = (status: Task['status'], progress: number) =>
  ({ task_id: 'T1', status, progress }) as Task;

describe('the progress view of the tasks command', () => {
  it('redraws one bar in place on a terminal and ends the line when done', () => {
    const out = stream(true);
    const view = progressView(out);
    view.show(task('RUNNING', 50));
    view.show(task('SUCCESS', 100));
    view.end();
    expect(out.text()).toBe(
      `\r[${'#'.repeat(15)}${'-'.repeat(15)}]    50% RUNNING\x1b[K` +
        `\r[${'#'.repeat(30)}]   100% SUCCESS\x1b[K\n`,
    );
  });

  it('prints one plain line per change elsewhere, without escape codes', () => {
    const out = stream(false);
    const view = progressView(out);
    view.show(task('RUNNING', 12.5));
    view.show(task('RUNNING', 12.5));
    view.show(task('SUCCESS', 100));
    view.end();
    expect(out.text()).toBe('T1 RUNNING 12.5%\nT1 SUCCESS 100%\n');
  });
});
