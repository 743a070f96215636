import type { Task } from '../client/index.ts';

export interface ProgressView {
  show(task: Task): void;
  /** Leaves the terminal on a fresh line. */
  end(): void;
}

const BAR_WIDTH = 30;

function bar(progress: number): string {
  const filled = Math.round((Math.min(100, Math.max(0, progress)) / 100) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
}

const percent = (progress: number) => `${progress.toFixed(progress % 1 === 0 ? 0 : 1)}%`;

/** A bar redrawn in place on a terminal; one line per change anywhere else (logs, pipes). */
export function progressView(stream: NodeJS.WritableStream & { isTTY?: boolean }): ProgressView {
  let lastLine = '';
  let drawn = false;
  return {
    show(task) {
      if (stream.isTTY) {
        stream.write(
          `\r${bar(task.progress)} ${percent(task.progress).padStart(6)} ${task.status}\x1b[K`,
        );
        drawn = true;
        return;
      }
      const line = `${task.task_id} ${task.status} ${percent(task.progress)}`;
      if (line !== lastLine) stream.write(`${line}\n`);
      lastLine = line;
    },
    end() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
