/**
 * `npm run cost -- --tasks N --duration S [--concurrency C] [--template FILE]`: the monthly
 * cost by service of N tasks of S seconds, from the stack's real settings. Without
 * --template it synthesizes the stack in-process (cdk.json's context, bundling skipped,
 * a few seconds); with one it reads a synthesized template, e.g. after `npm run synth`:
 * `--template cdk.out/tasks-service-dev.template.json`. With no arguments at all, the example
 * of EXAMPLE_USAGE. Exit 2 on bad arguments.
 */

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  ASSUMPTIONS,
  type Estimate,
  estimate,
  MEASURED_UNITS,
  PRICES,
  type Usage,
} from './cost-model.ts';
import { readStackFacts, type StackFacts } from './cost-template.ts';

const USAGE =
  'Usage: npm run cost -- --tasks <tasks a month> --duration <seconds per task> ' +
  '[--concurrency <tasks at once>] [--template <synthesized template.json>]';

export class UsageError extends Error {}

/** What a bare `npm run cost` estimates: 10,000 one-minute tasks a month. */
export const EXAMPLE_USAGE = { tasks: 10_000, durationSeconds: 60 } as const;

/**
 * The usage and template path from the command line, EXAMPLE_USAGE when there are no
 * arguments at all; throws UsageError with what is wrong.
 */
export function parseCostArgs(args: readonly string[]): Usage & { template?: string } {
  if (args.length === 0) return { ...EXAMPLE_USAGE };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        tasks: { type: 'string' },
        duration: { type: 'string' },
        concurrency: { type: 'string' },
        template: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const number = (
    name: string,
    { integer, min, max }: { integer: boolean; min: number; max: number },
  ) => {
    const text = values[name];
    if (text === undefined) return undefined;
    const value = Number(text);
    const ok = typeof text === 'string' && text.trim() !== '' && Number.isFinite(value);
    if (!ok || value < min || value > max || (integer && !Number.isInteger(value))) {
      const kind = integer ? 'a whole number' : 'a number';
      throw new UsageError(
        `--${name} must be ${kind} from ${min} to ${max}, got ${JSON.stringify(text)}`,
      );
    }
    return value;
  };
  const tasks = number('tasks', { integer: true, min: 1, max: 1e12 });
  const durationSeconds = number('duration', { integer: false, min: 1, max: 86_400 });
  const concurrency = number('concurrency', { integer: true, min: 1, max: 1e9 });
  if (tasks === undefined) throw new UsageError('--tasks is required');
  if (durationSeconds === undefined) throw new UsageError('--duration is required');
  return {
    tasks,
    durationSeconds,
    ...(concurrency !== undefined && { concurrency }),
    ...(typeof values.template === 'string' && { template: values.template }),
  };
}

/** The stack synthesized as `cdk synth` would, without bundling the functions. */
async function synthesizedTemplate() {
  const [{ App }, { Template }, { addTasksService }] = await Promise.all([
    import('aws-cdk-lib'),
    import('aws-cdk-lib/assertions'),
    import('../infra/tasks-app.ts'),
  ]);
  const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8'));
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(addTasksService(app)).toJSON() as Parameters<typeof readStackFacts>[0];
}

const usd = (n: number) => `$${n < 0.01 && n > 0 ? n.toFixed(4) : n.toFixed(2)}`;

export function formatEstimate(usage: Usage, facts: StackFacts, result: Estimate): string {
  const out: string[] = [];
  out.push(
    `Monthly cost of ${usage.tasks.toLocaleString('en-US')} tasks of ${usage.durationSeconds} s ` +
      `(${PRICES.region}, on-demand list prices of ${PRICES.date}, before free tiers)`,
    '',
  );
  for (const [service, total] of Object.entries(result.byService)) {
    out.push(`${service.padEnd(16)} ${usd(total).padStart(12)}`);
    for (const line of result.lines.filter((l) => l.service === service))
      out.push(`    ${line.what}: ${usd(line.usd)}`);
  }
  out.push(`${'Total'.padEnd(16)} ${usd(result.total).padStart(12)}`, '');
  const t = result.perTask;
  out.push(
    `Per task: ${t.slices} slice(s), ${t.transitions} state transitions, ${t.apiRequests} API requests, ` +
      `${t.writeUnits.toFixed(0)} write units, ${t.readUnits.toFixed(0)} read units; ` +
      `${usd(result.total / usage.tasks)} a task.`,
  );
  const fns = Object.entries(facts.functions)
    .map(([name, f]) => `${name} ${f.memoryMb} MB`)
    .join(', ');
  out.push(
    `From the template: ${Object.values(facts.functions)[0]?.architecture} functions (${fns}); ` +
      `${facts.workflowType} workflow, ${facts.workSliceSeconds} s slices; table ${facts.billingMode}` +
      `${facts.pitr ? ' with PITR' : ''}; logs kept ${facts.logRetentionDays} days.`,
  );
  for (const note of result.notes) out.push(note);
  out.push('', 'Prices assumed:');
  const p = PRICES;
  out.push(
    `  Lambda $${p.lambdaGbSecond.arm64} per GB-s arm64, $${p.lambdaGbSecond.x86_64} x86_64, $${p.lambdaPerMillionRequests} per million requests`,
    `  Step Functions Standard $${p.stepFunctionsPerThousandTransitions} per 1,000 state transitions`,
    `  DynamoDB on-demand $${p.dynamodbPerMillionWriteUnits} per million write units, $${p.dynamodbPerMillionReadUnits} per million read units, storage $${p.dynamodbStoragePerGbMonth}/GB-month, PITR $${p.dynamodbPitrPerGbMonth}/GB-month`,
    `  API Gateway HTTP API $${p.httpApiPerMillionRequests} per million requests`,
    `  CloudFront $${p.cloudFrontPerTenThousandHttpsRequests} per 10,000 HTTPS requests, $${p.cloudFrontPerGbOut}/GB out (United States)`,
    `  CloudWatch Logs $${p.logsIngestionPerGb}/GB ingested, $${p.logsStoragePerGbMonth}/GB-month stored; X-Ray $${p.xrayPerMillionTraces} per million traces`,
    '',
    'Assumptions:',
  );
  const a = ASSUMPTIONS;
  const m = MEASURED_UNITS;
  out.push(
    `  a client polls the status every ${a.statusPollSeconds} s and reads the result ${a.resultReads} time(s), through CloudFront; no Idempotency-Key`,
    `  an API invocation bills ${a.apiInvocationMs} ms; ${a.logBytesPerInvocation} log bytes per invocation, ${a.accessLogBytesPerRequest} per access log line, ${a.workflowLogBytesPerTransition} per workflow state at level ALL`,
    `  DynamoDB units per task measured on DynamoDB Local on ${m.date} (${m.command}): ${m.short.write} write / ${m.short.read} read for ${m.short.durationSeconds} s, ${m.long.write} / ${m.long.read} for ${m.long.durationSeconds} s, linear between; plus ${m.transactionalItemsPerTask} for AWS's second unit per transactional item`,
    `  ${a.storedBytesPerTask} bytes stored per task; no failures, cancels or deletes; free tiers not subtracted`,
  );
  return out.join('\n');
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  let usage: ReturnType<typeof parseCostArgs>;
  try {
    usage = parseCostArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n${USAGE}`);
    return 2;
  }
  let template: Parameters<typeof readStackFacts>[0];
  try {
    template = usage.template
      ? JSON.parse(readFileSync(usage.template, 'utf8'))
      : await synthesizedTemplate();
  } catch (error) {
    console.error(`Cannot read the template: ${(error as Error).message}`);
    return 2;
  }
  const facts = readStackFacts(template);
  if (args.length === 0) {
    console.log(
      `No --tasks and --duration given: an example of ${EXAMPLE_USAGE.tasks.toLocaleString('en-US')} one-minute tasks a month.\n${USAGE}\n`,
    );
  }
  console.log(formatEstimate(usage, facts, estimate(facts, usage)));
  return 0;
}

if (import.meta.main) process.exitCode = await main();
