import { existsSync, readFileSync } from 'node:fs';

/** A handler for the local Lambda runtime's tests: it shows its module state and environment. */
let invocations = 0;

// An init phase that takes a while, or fails while a given file exists.
const initDelayMs = Number(process.env.FIXTURE_INIT_DELAY_MS ?? 0);
if (initDelayMs) await new Promise((resolve) => setTimeout(resolve, initDelayMs));
const failInitIf = process.env.FIXTURE_FAIL_INIT_IF;
if (failInitIf && existsSync(failInitIf)) throw new Error('The init phase failed');

class FixtureError extends Error {
  override name = 'FixtureError';
}

export async function handler(
  event: { hang?: boolean; fail?: string; crash?: boolean; delayMs?: number },
  context: { awsRequestId: string; functionName: string; getRemainingTimeInMillis(): number },
) {
  invocations++;
  if (event.hang) await new Promise(() => {});
  if (event.delayMs) await new Promise((resolve) => setTimeout(resolve, event.delayMs));
  if (event.fail) throw new FixtureError(event.fail);
  if (event.crash) process.exit(3);
  return {
    invocations,
    requestId: context.awsRequestId,
    functionName: context.functionName,
    remainingMs: context.getRemainingTimeInMillis(),
    // This thread's nice value, where the system shows it (field 19 of Linux's stat).
    nice: existsSync('/proc/thread-self/stat')
      ? Number(readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1]?.split(' ')[16])
      : undefined,
    env: {
      AWS_LAMBDA_FUNCTION_NAME: process.env.AWS_LAMBDA_FUNCTION_NAME,
      AWS_LAMBDA_INITIALIZATION_TYPE: process.env.AWS_LAMBDA_INITIALIZATION_TYPE,
      AWS_EXECUTION_ENV: process.env.AWS_EXECUTION_ENV,
      TABLE_NAME: process.env.TABLE_NAME,
      SHARED: process.env.SHARED,
    },
  };
}
