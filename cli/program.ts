import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import {
  createTasksClient,
  type ListQuery,
  STATUSES,
  type Task,
  type TaskStatus,
  TasksApiError,
  type TasksClient,
} from '../client/index.ts';
import { progressView } from './progress.ts';

/** The exit codes of `tasks`, documented in its help. */
export const EXIT = {
  ok: 0,
  taskFailed: 1,
  usage: 2,
  taskCancelled: 3,
  refused: 4,
  unreachable: 5,
  notFinished: 6,
} as const;

const EXIT_HELP = `
Exit codes:
  0  done; a waited-for task ended SUCCESS
  1  the task ended FAILURE
  2  usage error (unknown command or option, bad value)
  3  the task ended CANCELLED
  4  the service refused the request (e.g. no such task)
  5  the service cannot be reached or is unavailable
  6  result: the task has not finished yet

Environment: TASKS_URL (default http://localhost:3000), TASKS_TOKEN.`;

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  fetch?: (request: Request) => Promise<Response>;
}

function integer(min: number, max: number) {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
      throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    return Number(value);
  };
}

function seconds(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0)
    throw new InvalidArgumentError('must be a positive number of seconds');
  return number;
}

function jsonObjectArgument(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new InvalidArgumentError('must be a JSON object');
  return parsed as Record<string, unknown>;
}

const exitCodeOf = (status: TaskStatus) =>
  status === 'FAILURE' ? EXIT.taskFailed : status === 'CANCELLED' ? EXIT.taskCancelled : EXIT.ok;

const asText = (value: unknown) =>
  typeof value === 'string' ? value : JSON.stringify(value, null, 2);

/**
 * Without a token, against local mode on this machine with sign-in on (its `/config.json`
 * names a sign-in provider), a token for the current user from local mode's own provider,
 * as `npm run token` makes one; undefined anywhere else.
 */
async function localToken(
  url: string,
  fetch: (request: Request) => Promise<Response> = globalThis.fetch,
): Promise<string | undefined> {
  const { hostname, port } = new URL(url);
  if (!['localhost', '127.0.0.1', '[::1]'].includes(hostname)) return undefined;
  const config = await fetch(new Request(new URL('config.json', url)))
    .then((response) => (response.ok ? response.json() : undefined))
    .catch(() => undefined);
  if (!config || (config as { auth?: string }).auth === 'none') return undefined;
  const { createLocalIdentity } = await import('../infra/local/identity/provider.ts');
  const { identitySettingsFromEnvironment } = await import('../infra/local/identity/settings.ts');
  const settings = identitySettingsFromEnvironment({ ...process.env, PORT: port || '80' });
  const identity = await createLocalIdentity(settings);
  return identity.issueToken(process.env.USER || 'cli');
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const print = (line: string): void => {
    io.stdout.write(`${line}\n`);
  };
  let exitCode: number = EXIT.ok;
  let client: TasksClient | undefined;
  const program = new Command('tasks');
  const api = async () => {
    const { url, token } = program.opts<{ url: string; token?: string }>();
    client ??= createTasksClient({
      baseUrl: url,
      token: token ?? (await localToken(url, io.fetch)),
      fetch: io.fetch,
      maxAttempts: 4,
    });
    return client;
  };

  /** Prints the end of a finished task: its result, or why it has none; sets the exit code. */
  async function report(task: Task) {
    const result = await (await api()).getResult(task.task_id);
    if (task.status === 'SUCCESS') print(asText(result.result ?? null));
    else io.stderr.write(`tasks: task ${task.task_id} ended ${task.status}: ${result.error}\n`);
    exitCode = exitCodeOf(task.status);
  }

  async function follow(id: string) {
    const view = progressView(io.stderr);
    try {
      const task = await (await api()).waitUntilFinished(id, (t) => view.show(t));
      view.end();
      await report(task);
    } finally {
      view.end();
    }
  }

  /** One page of tasks (or every page), as a table or as JSON. */
  async function printTasks(query: ListQuery, options: { all?: boolean; json?: boolean }) {
    const tasks: Task[] = [];
    if (options.all) for await (const task of (await api()).allTasks(query)) tasks.push(task);
    else tasks.push(...(await (await api()).listTasks(query)).tasks);
    if (options.json) return print(JSON.stringify(tasks, null, 2));
    for (const task of tasks) {
      const progress = `${Math.floor(task.progress)}%`.padStart(4);
      print(`${task.task_id}  ${task.status.padEnd(9)} ${progress}  ${task.name ?? ''}`.trimEnd());
    }
  }

  program
    .description('Create, follow and manage tasks of the tasks service')
    .addOption(
      new Option('--url <url>', 'the service').env('TASKS_URL').default('http://localhost:3000'),
    )
    .addOption(new Option('--token <token>', 'access token').env('TASKS_TOKEN'))
    .addHelpText('after', EXIT_HELP)
    .showHelpAfterError('(run tasks --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  program
    .command('create')
    .description('create a task; prints its id, or with --wait follows it and prints its result')
    .option('--name <name>', 'a name for people')
    .option('--type <type>', 'the task type (default simulate)')
    .option('--duration <seconds>', 'simulate: seconds of work', seconds)
    .option('--fail', 'simulate: end in FAILURE')
    .option('--input <json>', 'the input as a JSON object', jsonObjectArgument)
    .option('--wait', 'follow the task until it ends, then print its result')
    .action(async (options) => {
      const input: Record<string, unknown> = { ...options.input };
      if (options.duration !== undefined) input.duration_seconds = options.duration;
      if (options.fail) input.fail = true;
      const body = {
        ...(options.name !== undefined && { name: options.name }),
        ...(options.type !== undefined && { type: options.type }),
        ...(Object.keys(input).length > 0 && { input }),
      };
      const task = await (await api()).createTask(body as Parameters<TasksClient['createTask']>[0]);
      if (!options.wait) return print(task.task_id);
      io.stderr.write(`created ${task.task_id}\n`);
      await follow(task.task_id);
    });

  program
    .command('ls')
    .description('list tasks, newest first')
    .addOption(new Option('--status <status>', 'only tasks of this status').choices(STATUSES))
    .option('--limit <n>', 'tasks per page (1-100)', integer(1, 100))
    .option('--all', 'every page, not just the first')
    .option('--json', 'a JSON array instead of a table')
    .action(async (options) => {
      await printTasks({ status: options.status, limit: options.limit }, options);
    });

  program
    .command('search <text>')
    .description('the task of this id, or the tasks whose name starts with <text> (any case)')
    .option('--limit <n>', 'tasks per page (1-100)', integer(1, 100))
    .option('--all', 'every page, not just the first')
    .option('--json', 'a JSON array instead of a table')
    .action(async (text: string, options) => {
      await printTasks({ search: text, limit: options.limit }, options);
    });

  program
    .command('totals')
    .description('count your tasks per status')
    .option('--json', 'JSON instead of a table')
    .action(async (options) => {
      const totals = await (await api()).getTotals();
      if (options.json) return print(JSON.stringify(totals, null, 2));
      for (const status of STATUSES) print(`${status.padEnd(9)} ${totals.counts[status]}`);
      print(`${'total'.padEnd(9)} ${totals.total}`);
    });

  program
    .command('show <id>')
    .description('print a task and its timeline as JSON')
    .action(async (id: string) =>
      print(JSON.stringify(await (await api()).getTaskDetail(id), null, 2)),
    );

  program
    .command('status <id>')
    .description("print a task's status as JSON")
    .action(async (id: string) => print(JSON.stringify(await (await api()).getTask(id), null, 2)));

  program
    .command('result <id>')
    .description("print a task's result (exit code by its status; 6 while unfinished)")
    .action(async (id: string) => {
      const result = await (await api()).getResult(id);
      print(JSON.stringify(result, null, 2));
      exitCode =
        result.status === 'PENDING' || result.status === 'RUNNING'
          ? EXIT.notFinished
          : exitCodeOf(result.status);
    });

  program
    .command('cancel <id>')
    .description('cancel a task')
    .action(async (id: string) => {
      const task = await (await api()).cancelTask(id);
      print(`${task.task_id} ${task.status}`);
    });

  program
    .command('rm <id>')
    .description('delete a task')
    .action(async (id: string) => {
      await (await api()).deleteTask(id);
      print(`${id} deleted`);
    });

  program
    .command('watch <id>')
    .description('follow a task until it ends, then print its result')
    .action((id: string) => follow(id));

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return failure(error, io, program.opts<{ url?: string }>().url);
  }
}

/** One line on stderr, never a stack, and the exit code that says what kind of failure it was. */
function failure(error: unknown, io: CliIo, url: string | undefined): number {
  if (error instanceof CommanderError) {
    // Commander printed its message already; help and version are not failures.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  const say = (message: string) => io.stderr.write(`tasks: ${message}\n`);
  if (error instanceof TasksApiError) {
    say(`${error.message} (${error.code})`);
    return error.status >= 500 ? EXIT.unreachable : EXIT.refused;
  }
  if (error instanceof TypeError && /fetch failed|Invalid URL/i.test(error.message)) {
    const cause = (error.cause as { code?: string } | undefined)?.code;
    say(`cannot reach the tasks service at ${url}${cause ? ` (${cause})` : ''}`);
    return EXIT.unreachable;
  }
  say(error instanceof Error ? error.message : String(error));
  return EXIT.unreachable;
}
