import { readFileSync } from 'node:fs';

/*
 * The workflow retries a worker that reports DependencyUnavailable (or a Lambda service error)
 * 25 times, waiting min(2 s × 2^n, 60 s) with full jitter, i.e. a uniform share of that cap:
 * 1262 s at most, about 631 s (10.5 min) on average, plus the attempts themselves (about 7 s
 * each against a table that hangs, as the store gives up on a call after three 2 s tries).
 * So a dependency may be down for roughly 10 to 14 minutes before a task fails. Any other
 * error is retried twice, then caught into RecordFailure.
 * Retrier fields (MaxDelaySeconds, JitterStrategy):
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
 * Lambda service errors worth retrying, ClientExecutionTimeoutException among them:
 * https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html
 */
const WORKFLOW_FILE = new URL('./task-workflow.asl.json', import.meta.url);

/** The substitution names the ASL file uses, as CDK's `definitionSubstitutions` keys. */
export const SUBSTITUTIONS = ['WorkFunctionArn', 'RecordFailureFunctionArn'] as const;
export type Substitutions = Record<(typeof SUBSTITUTIONS)[number], string>;

export function readDefinitionTemplate(): string {
  return readFileSync(WORKFLOW_FILE, 'utf8');
}

/** The definition with `${Name}` replaced, as Step Functions does with `definitionSubstitutions`. */
export function renderDefinition(values: Substitutions): string {
  return readDefinitionTemplate().replace(/\$\{(\w+)\}/g, (whole, name: string) => {
    const value = (values as Record<string, string>)[name];
    if (value === undefined)
      throw new Error(`No substitution for ${whole} in the workflow definition`);
    return value;
  });
}
