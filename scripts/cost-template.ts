/**
 * What the bill depends on, read from a synthesized template: function memory and
 * architecture, the workflow's states and slice length, the table's billing mode and PITR,
 * log retention, tracing and the reconciler's schedule.
 */

export type Architecture = 'arm64' | 'x86_64';

/** What the cost depends on, as the synthesized template sets it. */
export interface StackFacts {
  /** Each service function by name (Work, CreateTask, GetTaskStatus…). */
  functions: Record<string, { memoryMb: number; architecture: Architecture; tracing: boolean }>;
  workSliceSeconds: number;
  workflowType: string;
  /** States entered per slice (Work, Done?) and once at the end (Finished). */
  statesPerSlice: number;
  statesAtEnd: number;
  workflowLogLevel: string;
  billingMode: string;
  pitr: boolean;
  logRetentionDays: number;
  /** Minutes between ResumeTasks sweeps; undefined when the template has no schedule. */
  sweepEveryMinutes: number | undefined;
}

type Resource = { Type: string; Properties?: Record<string, unknown> };
type TemplateJson = { Resources: Record<string, Resource> };

const FUNCTION_ID = /^(?:Api|Workflow)([A-Za-z]+?)Function[0-9A-F]{8}$/;

/** Reads the settings that decide the bill from a synthesized template. */
export function readStackFacts(template: TemplateJson): StackFacts {
  const resources = Object.entries(template.Resources);
  const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);
  const functions: StackFacts['functions'] = {};
  let workSliceSeconds: number | undefined;
  for (const [id, { Properties: p = {} }] of ofType('AWS::Lambda::Function')) {
    const name = FUNCTION_ID.exec(id)?.[1];
    if (!name) continue;
    const architecture = ((p.Architectures as string[] | undefined)?.[0] ??
      'x86_64') as Architecture;
    functions[name] = {
      memoryMb: Number(p.MemorySize ?? 128),
      architecture,
      tracing: (p.TracingConfig as { Mode?: string } | undefined)?.Mode === 'Active',
    };
    const variables = (p.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables;
    if (name === 'Work' && variables?.WORK_SLICE_SECONDS !== undefined)
      workSliceSeconds = Number(variables.WORK_SLICE_SECONDS);
  }
  if (!functions.Work) throw new Error('The template has no Work function');
  const [machine] = ofType('AWS::StepFunctions::StateMachine');
  if (!machine) throw new Error('The template has no state machine');
  const props = machine[1].Properties ?? {};
  const { statesPerSlice, statesAtEnd } = statesOfDefinition(String(props.DefinitionString));
  const [table] = [...ofType('AWS::DynamoDB::GlobalTable'), ...ofType('AWS::DynamoDB::Table')];
  const tableProps = table?.[1].Properties ?? {};
  const replicas = (tableProps.Replicas ?? []) as {
    PointInTimeRecoverySpecification?: { PointInTimeRecoveryEnabled?: boolean };
  }[];
  const pitrOf = (spec: unknown) =>
    (spec as { PointInTimeRecoveryEnabled?: boolean } | undefined)?.PointInTimeRecoveryEnabled ===
    true;
  const retentions = ofType('AWS::Logs::LogGroup').map(([, r]) =>
    Number(r.Properties?.RetentionInDays ?? 3_650),
  );
  const schedule = ofType('AWS::Events::Rule')
    .map(([, r]) => String(r.Properties?.ScheduleExpression ?? ''))
    .map((expression) => /^rate\((\d+) minutes?\)$/.exec(expression)?.[1])
    .find((minutes) => minutes !== undefined);
  return {
    functions,
    workSliceSeconds: workSliceSeconds ?? 60,
    workflowType: String(props.StateMachineType ?? 'STANDARD'),
    statesPerSlice,
    statesAtEnd,
    workflowLogLevel: String(
      (props.LoggingConfiguration as { Level?: string } | undefined)?.Level ?? 'OFF',
    ),
    billingMode: String(tableProps.BillingMode ?? 'PROVISIONED'),
    pitr:
      replicas.some((replica) => pitrOf(replica.PointInTimeRecoverySpecification)) ||
      pitrOf(tableProps.PointInTimeRecoverySpecification),
    logRetentionDays: retentions.length ? Math.max(...retentions) : 3_650,
    sweepEveryMinutes: schedule === undefined ? undefined : Number(schedule),
  };
}

/**
 * Counts the states a task's execution enters: from StartAt along `Next` to the Choice that
 * loops back (one slice), then from the Choice's first branch to the end (once).
 */
export function statesOfDefinition(definition: string): {
  statesPerSlice: number;
  statesAtEnd: number;
} {
  const asl = JSON.parse(definition) as {
    StartAt: string;
    States: Record<string, { Type: string; Next?: string; Choices?: { Next: string }[] }>;
  };
  const walk = (from: string, stopAtChoice: boolean) => {
    let count = 0;
    let name: string | undefined = from;
    const seen = new Set<string>();
    while (name && !seen.has(name)) {
      seen.add(name);
      const state: (typeof asl.States)[string] | undefined = asl.States[name];
      if (!state) throw new Error(`The workflow names a missing state ${name}`);
      count++;
      if (state.Type === 'Choice') return { count, choice: state };
      name = state.Next;
    }
    if (stopAtChoice) throw new Error('The workflow has no loop through a Choice state');
    return { count, choice: undefined };
  };
  const slice = walk(asl.StartAt, true);
  const exit = slice.choice?.Choices?.[0]?.Next;
  if (!exit) throw new Error('The workflow loop has no way out');
  return { statesPerSlice: slice.count, statesAtEnd: walk(exit, false).count };
}
