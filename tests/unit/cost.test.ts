import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readDefinitionTemplate } from '../../infra/workflow/definition.ts';
import { parseCostArgs, UsageError } from '../../scripts/cost.ts';
import { estimate, MEASURED_UNITS, PRICES, unitsPerTask } from '../../scripts/cost-model.ts';
import { readStackFacts, statesOfDefinition } from '../../scripts/cost-template.ts';

type Fixture = { memory?: number; architecture?: string; slice?: string; billing?: string };

const lambda = (memory: number, architecture: string, variables: Record<string, string> = {}) => ({
  Type: 'AWS::Lambda::Function',
  Properties: {
    MemorySize: memory,
    Architectures: [architecture],
    TracingConfig: { Mode: 'Active' },
    Environment: { Variables: variables },
  },
});

/** A template shaped like the synthesized one, with only what the cost reads. */
function template({
  memory = 256,
  architecture = 'arm64',
  slice = '60',
  billing = 'PAY_PER_REQUEST',
}: Fixture = {}) {
  return {
    Resources: {
      WorkflowWorkFunctionF24D1F01: lambda(memory, architecture, { WORK_SLICE_SECONDS: slice }),
      WorkflowResumeTasksFunction10F06247: lambda(256, 'arm64'),
      ApiCreateTaskFunction7E47C53E: lambda(256, 'arm64'),
      ApiGetTaskStatusFunctionC4643F3B: lambda(256, 'arm64'),
      ApiGetTaskResultFunction631ED149: lambda(256, 'arm64'),
      CustomCDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C256MiB5F7BD223: lambda(
        1024,
        'x86_64',
      ),
      WorkflowStateMachine8F1B1C15: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineType: 'STANDARD',
          DefinitionString: readDefinitionTemplate(),
          LoggingConfiguration: { Level: 'ALL' },
        },
      },
      TasksTable45D1B62D: {
        Type: 'AWS::DynamoDB::GlobalTable',
        Properties: {
          BillingMode: billing,
          Replicas: [{ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }],
        },
      },
      WorkflowLogs8B0907C7: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } },
      WorkflowResumeScheduleDD373D2C: {
        Type: 'AWS::Events::Rule',
        Properties: { ScheduleExpression: 'rate(2 minutes)' },
      },
    },
  };
}

const costOf = (fixture: Fixture, tasks: number, durationSeconds: number) =>
  estimate(readStackFacts(template(fixture)), { tasks, durationSeconds });
const line = (result: ReturnType<typeof estimate>, start: string) => {
  const found = result.lines.find((l) => l.what.startsWith(start));
  if (!found) throw new Error(`No line ${start}`);
  return found.usd;
};

describe('cost: reading the template', () => {
  it("counts the workflow's states per slice (Work, Done?) and at the end (Finished)", () => {
    expect(statesOfDefinition(readDefinitionTemplate())).toEqual({
      statesPerSlice: 2,
      statesAtEnd: 1,
    });
  });

  it('reads memory, architecture, slice length, billing, PITR, log retention and the sweep', () => {
    const facts = readStackFacts(template({ memory: 512, architecture: 'x86_64', slice: '30' }));
    expect(facts.functions.Work).toEqual({ memoryMb: 512, architecture: 'x86_64', tracing: true });
    expect(Object.keys(facts.functions)).not.toContain('CustomCDKBucketDeployment');
    expect(facts).toMatchObject({
      workSliceSeconds: 30,
      workflowType: 'STANDARD',
      workflowLogLevel: 'ALL',
      billingMode: 'PAY_PER_REQUEST',
      pitr: true,
      logRetentionDays: 30,
      sweepEveryMinutes: 2,
    });
  });
});

describe('cost: arithmetic', () => {
  it('prices the worker at GB-seconds of its memory and architecture, plus its invocations', () => {
    const result = costOf({}, 1_000, 60);
    expect(line(result, 'Work')).toBeCloseTo(
      1_000 * 60 * 0.25 * PRICES.lambdaGbSecond.arm64 + (1_000 / 1e6) * 0.2,
      10,
    );
    expect(line(costOf({ memory: 512 }, 1_000, 60), 'Work')).toBeCloseTo(
      2 * 1_000 * 60 * 0.25 * PRICES.lambdaGbSecond.arm64 + (1_000 / 1e6) * 0.2,
      10,
    );
    expect(line(costOf({ architecture: 'x86_64' }, 1_000, 60), 'Work')).toBeGreaterThan(
      line(result, 'Work'),
    );
  });

  it('charges 2 transitions per slice plus 1, so a shorter slice costs more transitions', () => {
    expect(costOf({}, 1_000, 60).perTask.transitions).toBe(3);
    expect(costOf({}, 1_000, 600).perTask.transitions).toBe(21);
    expect(costOf({ slice: '30' }, 1_000, 600).perTask.transitions).toBe(41);
    expect(costOf({}, 1_000, 600).byService['Step Functions']).toBeCloseTo(
      ((1_000 * 21) / 1_000) * 0.025,
      10,
    );
  });

  it('counts API requests as a create, a poll every 2 s and one result read', () => {
    const result = costOf({}, 10_000, 60);
    expect(result.perTask.apiRequests).toBe(32);
    expect(result.byService['API Gateway']).toBeCloseTo(0.32, 10);
  });

  it('takes DynamoDB units from the measured line, plus AWS transactional units', () => {
    const { short, long, transactionalItemsPerTask } = MEASURED_UNITS;
    expect(unitsPerTask(short.durationSeconds)).toEqual({
      write: short.write + transactionalItemsPerTask,
      read: short.read,
    });
    expect(unitsPerTask(long.durationSeconds).write).toBeCloseTo(
      long.write + transactionalItemsPerTask,
    );
    const result = costOf({}, 1_000_000, 600);
    const writes = long.write + transactionalItemsPerTask;
    expect(line(result, 'writes')).toBeCloseTo(writes * 0.625, 6);
    expect(result.perTask.readUnits).toBeCloseTo(long.read + 300 + 1);
  });

  it('adds up the services to the total, and says when the concurrency cannot keep up', () => {
    const result = costOf({}, 10_000, 60);
    const sum = Object.values(result.byService).reduce((a, b) => a + b, 0);
    expect(result.total).toBeCloseTo(sum, 10);
    const capped = estimate(readStackFacts(template()), {
      tasks: 1_000_000,
      durationSeconds: 600,
      concurrency: 100,
    });
    expect(capped.notes.join('\n')).toMatch(/backlog grows/);
  });
});

describe('cost: arguments', () => {
  it('reads tasks, duration, concurrency and a template path', () => {
    expect(parseCostArgs(['--tasks', '100', '--duration', '2.5', '--concurrency', '10'])).toEqual({
      tasks: 100,
      durationSeconds: 2.5,
      concurrency: 10,
    });
    expect(parseCostArgs(['--tasks=1', '--duration=1', '--template', 't.json']).template).toBe(
      't.json',
    );
  });

  it.each([
    [['--duration', '10'], /--tasks is required/],
    [['--tasks', '10'], /--duration is required/],
    [['--tasks', '1.5', '--duration', '10'], /--tasks must be a whole number/],
    [['--tasks', '10', '--duration', '0'], /--duration must be a number from 1 to 86400/],
    [['--tasks', '10', '--duration', 'ten'], /got "ten"/],
    [['--tasks', '10', '--duration', '10', '--concurrency', '0'], /--concurrency/],
    [['--tasks', '10', '--duration', '10', '--fast'], /Unknown option '--fast'/],
    [['--tasks', '10', '--duration', '10', 'extra'], /extra/],
  ])('refuses %j', (args, message) => {
    expect(() => parseCostArgs(args)).toThrow(UsageError);
    expect(() => parseCostArgs(args)).toThrow(message);
  });

  it('estimates the example of 10,000 one-minute tasks a month when given no arguments', () => {
    expect(parseCostArgs([])).toEqual({ tasks: 10_000, durationSeconds: 60 });
  });

  it('exits 2 with the message and the usage on a bad flag', () => {
    const script = fileURLToPath(new URL('../../scripts/cost.ts', import.meta.url));
    const node = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));
    const run = spawnSync(node, [script, '--tasks', '10'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--duration is required\nUsage: npm run cost/);
    expect(run.stdout).toBe('');
  });
});
