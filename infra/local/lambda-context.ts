import type { Context } from 'aws-lambda';

/** The variables Lambda sets in a function's environment that describe the function. */
type FunctionEnvironment = Record<string, string | undefined>;

/**
 * The context Lambda passes a handler for an invocation that times out at `deadline`
 * (epoch milliseconds), describing the function by its environment variables as Lambda
 * sets them.
 */
export function contextUntil(
  deadline: number,
  env: FunctionEnvironment,
  awsRequestId: string = crypto.randomUUID(),
): Context {
  const name = env.AWS_LAMBDA_FUNCTION_NAME ?? 'function';
  const region = env.AWS_REGION ?? 'us-east-1';
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION ?? '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${name}`,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128',
    awsRequestId,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME ?? `/aws/lambda/${name}`,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME ?? 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The context of an invocation of `name` with `timeoutMs` left, counting down from now. */
export function lambdaContext(name: string, timeoutMs: number): Context {
  return contextUntil(Date.now() + timeoutMs, { AWS_LAMBDA_FUNCTION_NAME: name });
}
