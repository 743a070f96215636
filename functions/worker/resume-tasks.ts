import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { RESUME_FUNCTION } from '../catalog.ts';
import { wiredAtFirstCall } from '../edge.ts';
import { logger } from '../logger.ts';
import { publishMetrics, recordFinished } from '../observability.ts';
import { type Admission, admissionFromEnvironment, admitWaitingTasks } from '../tasks/admission.ts';
import { TransitionRefusedError } from '../tasks/errors.ts';
import { describeExecution, executionName, startExecution } from '../tasks/launcher.ts';
import { isFinished, type Task } from '../tasks/model.ts';
import { getTask, listTasks, SERVICE_ACCESS, transitionTask } from '../tasks/store.ts';
import { couldNotComplete } from './failure-message.ts';

type Deps = Admission;

export interface ReconcileOptions {
  /**
   * Executions that ended at or after this are left to the failure recording that follows
   * them (the workflow's own, or the rule for executions that ended badly).
   */
  endedBefore: Date;
  /** Logged with the details of every failure the sweep records, and shown in the task. */
  reference: string;
}

/** What the sweep did to a task. */
export type Reconciled =
  /** Its execution runs (or ended too recently to judge): nothing to do. */
  | 'running'
  /** It had no execution: one was started. */
  | 'started'
  /** Its execution succeeded with the task unfinished: one was started under a new name. */
  | 'restarted'
  /** Its execution ended badly, or every name it may run under was used: FAILURE recorded. */
  | 'failed'
  /** It ended meanwhile. */
  | 'ended';

export type Sweep = Record<Reconciled | 'admitted' | 'errors', string[]>;

/**
 * Brings every RUNNING task back to having exactly one running execution, or to the end
 * its workflow decided, then fills the free slots with waiting tasks:
 * - no execution (admitted, then the admitting function stopped before starting it; local
 *   mode after a restart, the emulator keeping nothing): start it;
 * - an execution that failed, timed out or was aborted: the workflow gave up on the task, so
 *   record the FAILURE its Catch and the ended-badly rule should have recorded (both can fail
 *   while the table is down); the same outcome whichever of them gets there first;
 * - an execution that succeeded with the task unfinished (nothing decided its end): start
 *   it again under the next name, since Standard keeps a used name for 90 days.
 * PENDING tasks have no execution until admitted: the sweep admits the oldest, as many as
 * slots are free (admission.ts), the safety net under the admissions each release makes.
 */
export async function reconcileTasks(deps: Deps, options: ReconcileOptions): Promise<Sweep> {
  const sweep: Sweep = {
    running: [],
    started: [],
    restarted: [],
    failed: [],
    ended: [],
    admitted: [],
    errors: [],
  };
  const seen = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await listTasks(
      deps.table,
      { status: 'RUNNING', limit: 100, ...(cursor && { cursor }) },
      SERVICE_ACCESS,
    );
    for (const task of page.tasks) {
      if (seen.has(task.task_id)) continue;
      seen.add(task.task_id);
      try {
        sweep[await reconcileTask(deps, task, options)].push(task.task_id);
      } catch (error) {
        logger.error('Could not reconcile a task', {
          task_id: task.task_id,
          error: error as Error,
        });
        sweep.errors.push(task.task_id);
      }
    }
    cursor = page.cursor;
  } while (cursor);
  try {
    const { started, unstarted } = await admitWaitingTasks(deps);
    sweep.admitted.push(
      ...started.map((task) => task.task_id),
      ...unstarted.map(({ task }) => task.task_id),
    );
  } catch (error) {
    logger.error('Could not admit waiting tasks', { error: error as Error });
  }
  return sweep;
}

/**
 * How many times a task's execution may be started again under a new name. A task whose
 * executions keep succeeding without ending it is failing for a reason of ours that
 * restarting does not cure.
 */
export const MAX_RESTARTS = 3;

async function reconcileTask(
  { table, workflow, clock }: Deps,
  task: Task,
  { endedBefore, reference }: ReconcileOptions,
): Promise<Reconciled> {
  for (let restart = 0; restart <= MAX_RESTARTS; restart++) {
    const execution = await describeExecution(workflow, executionName(task.task_id, restart));
    if (!execution) {
      if (restart > 0 && !(await isUnfinished(table, task.task_id))) return 'ended';
      // A start that loses a race with another starter finds the name taken: that one runs.
      if (!(await startExecution(workflow, task.task_id, restart))) return 'running';
      return restart === 0 ? 'started' : 'restarted';
    }
    if (execution.status === 'RUNNING') return 'running';
    if (!execution.stopDate || execution.stopDate >= endedBefore) return 'running';
    if (execution.status !== 'SUCCEEDED') {
      return recordFailure({ table, clock }, task, reference, {
        reason: 'Its execution ended without the task recording an end',
        execution: executionName(task.task_id, restart),
        status: execution.status,
      });
    }
  }
  return recordFailure({ table, clock }, task, reference, {
    reason: 'Every execution it was restarted in ended with the task unfinished',
    restarts: MAX_RESTARTS,
  });
}

/** Fails the task now, with the reference a user can quote; 'ended' when it ended meanwhile. */
async function recordFailure(
  { table, clock }: Pick<Deps, 'table' | 'clock'>,
  task: Task,
  reference: string,
  details: Record<string, unknown>,
): Promise<Reconciled> {
  try {
    recordFinished(
      await transitionTask(
        table,
        task.task_id,
        'fail',
        { error: couldNotComplete(reference) },
        clock.now(),
        SERVICE_ACCESS,
      ),
    );
    logger.error('Task failed', { task_id: task.task_id, reference, ...details });
    return 'failed';
  } catch (caught) {
    if (caught instanceof TransitionRefusedError) return 'ended';
    throw caught;
  }
}

async function isUnfinished(table: Deps['table'], taskId: string): Promise<boolean> {
  const task = await getTask(table, taskId);
  return task !== undefined && !isFinished(task.status);
}

/** The scheduled sweep; executions that ended moments ago are left to their failure recording. */
export function makeHandler(deps: Deps) {
  return middy(async (_event: unknown, context: Pick<Context, 'awsRequestId'>) => {
    const before = new Date(
      deps.clock.now().getTime() - RESUME_FUNCTION.stalledAfterSeconds * 1000,
    );
    const sweep = await reconcileTasks(deps, {
      endedBefore: before,
      reference: context.awsRequestId,
    });
    logSweep(sweep);
    return Object.fromEntries(Object.entries(sweep).map(([name, ids]) => [name, ids.length]));
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetrics);
}

/** Logs what a sweep changed, if anything. */
export function logSweep({ started, restarted, failed, admitted, errors }: Sweep): void {
  if (admitted.length > 0) logger.info('Admitted waiting tasks', { admitted });
  if (started.length + restarted.length + failed.length + errors.length === 0) return;
  logger.warn('Reconciled stuck tasks', { started, restarted, failed, errors });
}

export const handler = wiredAtFirstCall(() => makeHandler(admissionFromEnvironment()));
