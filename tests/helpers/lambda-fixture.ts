/** A handler for the local Lambda runtime's tests: it shows its module state and environment. */
let invocations = 0;

class FixtureError extends Error {
  override name = 'FixtureError';
}

export async function handler(
  event: { hang?: boolean; fail?: string; crash?: boolean },
  context: { awsRequestId: string; functionName: string; getRemainingTimeInMillis(): number },
) {
  invocations++;
  if (event.hang) await new Promise(() => {});
  if (event.fail) throw new FixtureError(event.fail);
  if (event.crash) process.exit(3);
  return {
    invocations,
    requestId: context.awsRequestId,
    functionName: context.functionName,
    remainingMs: context.getRemainingTimeInMillis(),
    env: {
      AWS_LAMBDA_FUNCTION_NAME: process.env.AWS_LAMBDA_FUNCTION_NAME,
      AWS_LAMBDA_INITIALIZATION_TYPE: process.env.AWS_LAMBDA_INITIALIZATION_TYPE,
      AWS_EXECUTION_ENV: process.env.AWS_EXECUTION_ENV,
      TABLE_NAME: process.env.TABLE_NAME,
      SHARED: process.env.SHARED,
    },
  };
}
