import { RESUME_FUNCTION } from '../../functions/catalog.ts';
import { type Admission, admissionFromEnvironment } from '../../functions/tasks/admission.ts';
import type { RecordFailureInput } from '../../functions/worker/record-failure.ts';
import { logSweep, reconcileTasks, type Sweep } from '../../functions/worker/resume-tasks.ts';
import { lambdaContext } from './lambda-context.ts';
import type { LocalFunction, StepFunctionsEmulator } from './stepfunctions.ts';

export interface LocalReconcilerOptions {
  emulator: StepFunctionsEmulator;
  /** The failure recorder, as the emulator runs it. */
  recordFailure: { handler: LocalFunction; timeoutMs: number };
  /** Seconds between sweeps after the first. */
  everySeconds?: number;
  /** The real ones from the environment (TABLE_NAME, STATE_MACHINE_ARN) when omitted. */
  deps?: Admission;
}

export interface LocalReconciler {
  /** What the start-up sweep did. */
  firstSweep: Sweep;
  stop(): Promise<void>;
}

/**
 * What AWS runs around the workflow, done locally: the rule that records FAILURE for
 * executions that end badly, and the reconciler's sweep. The first sweep runs at once and
 * starts every RUNNING task (the emulator forgot all executions when local mode last
 * stopped) and admits waiting ones; later ones run every `everySeconds`.
 */
export async function startLocalReconciler({
  emulator,
  recordFailure,
  everySeconds = RESUME_FUNCTION.localEverySeconds,
  deps = admissionFromEnvironment(),
}: LocalReconcilerOptions): Promise<LocalReconciler> {
  emulator.onExecutionEndedBadly(async ({ name, status }) => {
    // The input the stack's ExecutionEndedBadly rule gives its target.
    const input: RecordFailureInput = {
      task_id: name,
      execution: name,
      failure: { Error: `Execution${status}`, Cause: `The workflow execution ended ${status}` },
    };
    await recordFailure.handler(input, lambdaContext('RecordFailure', recordFailure.timeoutMs));
  });

  const sweep = async (graceSeconds: number) => {
    const before = new Date(deps.clock.now().getTime() - graceSeconds * 1000);
    const result = await reconcileTasks(deps, {
      endedBefore: before,
      reference: crypto.randomUUID(),
    });
    logSweep(result);
    return result;
  };

  const firstSweep = await sweep(0);
  let inFlight: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    // A sweep still under way (a slow table) is not overtaken by the next.
    inFlight ??= sweep(RESUME_FUNCTION.stalledAfterSeconds)
      .catch((error: unknown) => console.error('The reconciler sweep failed:', error))
      .finally(() => {
        inFlight = undefined;
      });
  }, everySeconds * 1000);
  timer.unref();
  return {
    firstSweep,
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
