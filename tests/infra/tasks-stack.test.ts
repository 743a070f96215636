import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { OriginRequestPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_TIMEOUT_SECONDS,
  DEFAULT_ROUTE,
  RESUME_FUNCTION,
  ROUTES,
  type TableAccess,
  WORK_SLICE_SECONDS,
  WORKFLOW_FUNCTIONS,
} from '../../functions/catalog.ts';
import { TABLE_SCHEMA } from '../../functions/tasks/schema.ts';
import type { RecordFailureInput } from '../../functions/worker/record-failure.ts';
import {
  API_REQUEST_HEADERS,
  CACHEABLE_ERROR_STATUSES,
} from '../../infra/constructs/api-behavior.ts';
import {
  CONTENT_SECURITY_POLICY,
  contentSecurityPolicy,
} from '../../infra/constructs/security-headers.ts';
import { createTableInput } from '../../infra/local/table.ts';
import { DEFAULT_ROUTE_THROTTLES } from '../../infra/route-throttles.ts';
import { addTasksService } from '../../infra/tasks-app.ts';
import { API_PATH_PATTERNS, type TasksStack } from '../../infra/tasks-stack.ts';
import {
  readDefinitionTemplate,
  renderDefinition,
  SUBSTITUTIONS,
} from '../../infra/workflow/definition.ts';
import { declaredAccess } from './declared-access.ts';
import {
  actionsOf,
  allStatements,
  cdkJsonContext,
  logicalId,
  onlyResource,
  renderInputTransformer,
  resourcesOf,
  statementsOfRole,
} from './template-queries.ts';

let outdir: string;
let stack: TasksStack;
let template: Template;

// One synthesis for the whole file: it bundles every function with esbuild.
beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'tasks-infra-'));
  stack = addTasksService(new App({ outdir, context: cdkJsonContext() }));
  template = Template.fromStack(stack);
}, 120_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

const resource = (id: string) => template.toJSON().Resources[id];
/** The logical id of the one resource of a type. */
const onlyId = (type: string) => {
  const ids = Object.keys(template.findResources(type));
  if (ids.length !== 1) throw new Error(`Expected one ${type}, found ${ids.length}`);
  return ids[0];
};
const distributionConfig = () =>
  onlyResource(template, 'AWS::CloudFront::Distribution').Properties.DistributionConfig;
const serviceFunctions = () => [
  ...stack.api.functions.values(),
  stack.workflow.work,
  stack.workflow.recordFailure,
  stack.workflow.resume,
];
const routeFunction = (name: string) => {
  const handler = stack.api.functions.get(name);
  if (!handler) throw new Error(`No function for route ${name}`);
  return handler;
};
/** Every function with the table access the route table declares for it, by name. */
const declaredTableAccess = (): Record<string, TableAccess> =>
  Object.fromEntries(
    Object.entries(declaredAccess()).map(([name, access]) => [name, access.table]),
  );
const functionNamed = (name: string) => {
  const workflowFunctions = {
    Work: stack.workflow.work,
    RecordFailure: stack.workflow.recordFailure,
    ResumeTasks: stack.workflow.resume,
  };
  return workflowFunctions[name as keyof typeof workflowFunctions] ?? routeFunction(name);
};
const grantOf = (action: string, resource: unknown) => `${action} on ${JSON.stringify(resource)}`;
/** The function's DynamoDB grants, one `action on resource` per pair. */
const dynamodbGrants = (name: string) =>
  statementsOfRole(template, logicalId(functionNamed(name).role)).flatMap((statement) =>
    actionsOf(statement)
      .filter((action) => action.startsWith('dynamodb:'))
      .flatMap((action) => resourcesOf(statement).map((resource) => grantOf(action, resource))),
  );

/** A Step Functions ARN of this stack's account and region as CloudFormation joins it. */
function statesArn(...tail: unknown[]) {
  return {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':states:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        ...tail,
      ],
    ],
  };
}

describe('HTTP API', () => {
  it('serves exactly the nine routes of the route table, and $default for the rest', () => {
    const routeKeys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (route) => route.Properties.RouteKey,
    );
    expect(routeKeys.sort()).toEqual(
      [
        'POST /tasks',
        'GET /tasks',
        'GET /tasks/totals',
        'GET /tasks/{id}',
        'GET /tasks/{id}/status',
        'PATCH /tasks/{id}/status',
        'GET /tasks/{id}/result',
        'DELETE /tasks/{id}',
        'GET /health',
        '$default',
      ].sort(),
    );
  });

  it('sends each route to a function of its own', () => {
    const integrations = template.toJSON().Resources;
    const targets = new Map<string, string>();
    for (const route of Object.values(template.findResources('AWS::ApiGatewayV2::Route'))) {
      const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref as string;
      const functionId = integrations[integrationId].Properties.IntegrationUri['Fn::GetAtt'][0];
      targets.set(route.Properties.RouteKey, functionId);
    }
    expect(new Set(targets.values()).size).toBe(ROUTES.length + 1);
    for (const route of ROUTES) {
      const handler = routeFunction(route.name);
      expect(targets.get(`${route.method} ${route.path}`)).toBe(logicalId(handler.function));
    }
    expect(targets.get('$default')).toBe(logicalId(stack.api.notFound.function));
  });

  it('answers unmatched requests with the not-found handler of the route table', () => {
    const { Properties } = resource(logicalId(stack.api.notFound.function));
    expect(DEFAULT_ROUTE.entry).toBe('functions/api/not-found.ts');
    expect(Properties.Description).toMatch(/404, or 405 with Allow/);
    expect(Properties.Timeout).toBe(API_TIMEOUT_SECONDS);
  });

  it('keeps the execute-api endpoint on, since CloudFront forwards to it', () => {
    const { Properties } = onlyResource(template, 'AWS::ApiGatewayV2::Api');
    expect(Properties.DisableExecuteApiEndpoint).toBe(false);
    const config = distributionConfig();
    const apiHost = JSON.stringify(stack.resolve(stack.api.domainName));
    expect(
      config.Origins.some((o: { DomainName: unknown }) => JSON.stringify(o.DomainName) === apiHost),
    ).toBe(true);
  });

  it('throttles and logs every request on the default stage', () => {
    const context = cdkJsonContext();
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: context.apiThrottleRateLimit,
        ThrottlingBurstLimit: context.apiThrottleBurstLimit,
      },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AccessLogs'), 'Arn'] },
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
    });
  });
});

describe('API throttling per route', () => {
  const stage = () => onlyResource(template, 'AWS::ApiGatewayV2::Stage');

  it("gives each route its own throttle, and $default the stage's", () => {
    const expected = Object.fromEntries(
      ROUTES.map((route) => [
        `${route.method} ${route.path}`,
        {
          ThrottlingRateLimit: DEFAULT_ROUTE_THROTTLES[route.name]?.rateLimit,
          ThrottlingBurstLimit: DEFAULT_ROUTE_THROTTLES[route.name]?.burstLimit,
        },
      ]),
    );
    expect(stage().Properties.RouteSettings).toEqual(expected);
    expect(stage().Properties.RouteSettings['POST /tasks']).toEqual({
      ThrottlingRateLimit: 300,
      ThrottlingBurstLimit: 1000,
    });
    expect(Object.keys(stage().Properties.RouteSettings)).not.toContain('$default');
  });

  it('creates the stage after the routes its settings name', () => {
    const routeIds = Object.entries(template.findResources('AWS::ApiGatewayV2::Route'))
      .filter(([, route]) => route.Properties.RouteKey !== '$default')
      .map(([id]) => id);
    expect(routeIds).toHaveLength(ROUTES.length);
    expect(stage().DependsOn).toEqual(expect.arrayContaining(routeIds));
  });
});

describe('functions', () => {
  it('run Node 24 on arm64 as ESM with source maps, active tracing and bounded log retention', () => {
    for (const handler of serviceFunctions()) {
      const { Properties } = resource(logicalId(handler.function));
      expect(Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: logicalId(handler.logGroup) } },
        Environment: {
          Variables: {
            NODE_OPTIONS: '--enable-source-maps',
            // The namespace the task metrics, their alarm and the dashboard share.
            POWERTOOLS_METRICS_NAMESPACE: 'TasksService',
          },
        },
      });
      expect(resource(logicalId(handler.logGroup)).Properties.RetentionInDays).toBe(
        cdkJsonContext().logRetentionDays,
      );
    }
  });

  it("include the default route's: every service function runs nodejs24.x", () => {
    const functions = [...stack.serviceFunctions().values()];
    expect(functions).toHaveLength(serviceFunctions().length + 1);
    for (const handler of functions)
      expect(resource(logicalId(handler.function)).Properties.Runtime).toBe('nodejs24.x');
  });

  it('tell every handler the table and how many days finished tasks are kept', () => {
    for (const handler of serviceFunctions()) {
      const variables = resource(logicalId(handler.function)).Properties.Environment.Variables;
      expect(variables.TABLE_NAME).toEqual({ Ref: logicalId(stack.tasks.table) });
      expect(variables.TASK_RETENTION_DAYS).toBe(String(cdkJsonContext().taskRetentionDays));
    }
  });

  it('give the API functions their timeout from the route table', () => {
    for (const route of ROUTES) {
      const { Properties } = resource(logicalId(routeFunction(route.name).function));
      expect(Properties.Timeout, route.name).toBe(route.timeoutSeconds ?? API_TIMEOUT_SECONDS);
      // API Gateway gives up on an integration after 30 s.
      expect(Properties.Timeout, route.name).toBeLessThan(30);
    }
    const recordFailure = resource(logicalId(stack.workflow.recordFailure.function));
    expect(recordFailure.Properties.Timeout).toBe(WORKFLOW_FUNCTIONS.RecordFailure.timeoutSeconds);
  });

  it('give the worker its timeout and slice length from the route table', () => {
    const { Properties } = resource(logicalId(stack.workflow.work.function));
    expect(Properties.Timeout).toBe(WORKFLOW_FUNCTIONS.Work.timeoutSeconds);
    expect(Properties.Environment.Variables.WORK_SLICE_SECONDS).toBe(String(WORK_SLICE_SECONDS));
  });
});

describe('permissions', () => {
  it('grant no wildcard action and no DynamoDB or Step Functions action on every resource', () => {
    const allows = allStatements(template).filter((statement) => statement.Effect === 'Allow');
    for (const statement of allows) {
      for (const action of actionsOf(statement)) {
        expect(action).not.toBe('*');
        expect(action).not.toMatch(/^[\w-]+:\*$/);
        if (resourcesOf(statement).includes('*')) expect(action).not.toMatch(/^(dynamodb|states):/);
      }
    }
  });

  it('grant each function exactly the DynamoDB actions the function catalog declares (declared-access.test.ts proves those against the code)', () => {
    const table = { 'Fn::GetAtt': [logicalId(stack.tasks.table), 'Arn'] };
    const indexes = { 'Fn::Join': ['', [table, '/index/*']] };
    for (const [name, access] of Object.entries(declaredTableAccess())) {
      const expected = [
        ...(access.items ?? []).map((action) => grantOf(`dynamodb:${action}`, table)),
        ...(access.indexes ?? []).map((action) => grantOf(`dynamodb:${action}`, indexes)),
      ];
      expect(dynamodbGrants(name).sort(), name).toEqual(expected.sort());
    }
  });

  it('give read-only functions no write action on the table', () => {
    const writes = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'].map(
      (action) => `dynamodb:${action}`,
    );
    const readOnly = Object.entries(declaredTableAccess())
      .filter(
        ([, access]) => !access.items?.some((action) => writes.includes(`dynamodb:${action}`)),
      )
      .map(([name]) => name);
    expect(readOnly).toContain('GetTaskStatus');
    for (const name of readOnly) {
      const actions = statementsOfRole(template, logicalId(functionNamed(name).role)).flatMap(
        actionsOf,
      );
      for (const write of writes) expect(actions, name).not.toContain(write);
    }
  });

  it('grant each function exactly the workflow actions it declares, on the one state machine', () => {
    const stateMachine = { Ref: logicalId(stack.workflow.stateMachine) };
    // The functions the definition names reach it by its fixed name: no dependency cycle.
    const byName = stack.resolve(stack.workflow.ref.stateMachineArn);
    const inDefinition = new Set(['Work', 'RecordFailure']);
    for (const [name, access] of Object.entries(declaredAccess())) {
      const grants = statementsOfRole(template, logicalId(functionNamed(name).role)).flatMap((s) =>
        actionsOf(s)
          .filter((action) => action.startsWith('states:'))
          .map((action) => grantOf(action, s.Resource)),
      );
      const started = inDefinition.has(name) ? byName : stateMachine;
      const expected = (access.workflow ?? []).map((action) =>
        grantOf(`states:${action}`, action === 'StartExecution' ? started : executions()),
      );
      expect(grants.sort(), name).toEqual(expected.sort());
    }
  });

  it('names the state machine as the ARN the worker and failure recorder start it by', () => {
    const { Properties } = onlyResource(template, 'AWS::StepFunctions::StateMachine');
    expect(Properties.StateMachineName).toBe(`${stack.stackName}-tasks`);
    expect(stack.resolve(stack.workflow.ref.stateMachineArn)).toEqual(
      statesArn(`:stateMachine:${stack.stackName}-tasks`),
    );
  });

  it('reserves the Work function maxRunningTasks concurrent executions, and no other function any', () => {
    const reserved = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (fn) => fn.Properties.ReservedConcurrentExecutions !== undefined,
    );
    expect(reserved).toHaveLength(1);
    expect(resource(logicalId(stack.workflow.work.function)).Properties).toMatchObject({
      ReservedConcurrentExecutions: cdkJsonContext().maxRunningTasks,
    });
  });

  it('gives MAX_RUNNING_TASKS to exactly the functions that start executions', () => {
    for (const [name, access] of Object.entries(declaredAccess())) {
      const variables = resource(logicalId(functionNamed(name).function)).Properties.Environment
        .Variables;
      const admits = access.workflow?.includes('StartExecution') ?? false;
      expect(variables.MAX_RUNNING_TASKS, name).toBe(
        admits ? String(cdkJsonContext().maxRunningTasks) : undefined,
      );
    }
  });

  const executions = () =>
    statesArn(
      ':execution:',
      { 'Fn::GetAtt': [logicalId(stack.workflow.stateMachine), 'Name'] },
      ':*',
    );

  it('let the state machine invoke exactly the worker and the failure recorder', () => {
    const role = logicalId(stack.workflow.stateMachine.role);
    const invokes = statementsOfRole(template, role).filter((s) =>
      actionsOf(s).includes('lambda:InvokeFunction'),
    );
    const functions = [stack.workflow.work, stack.workflow.recordFailure].map((f) => ({
      'Fn::GetAtt': [logicalId(f.function), 'Arn'],
    }));
    const resources = invokes.flatMap(resourcesOf);
    expect(resources).toHaveLength(2);
    expect(resources).toEqual(expect.arrayContaining(functions));
  });
});

describe('workflow', () => {
  it('runs the ASL file local mode runs, with the worker and failure recorder substituted', () => {
    const { Properties } = onlyResource(template, 'AWS::StepFunctions::StateMachine');
    expect(Object.keys(Properties.DefinitionSubstitutions).sort()).toEqual(
      [...SUBSTITUTIONS].sort(),
    );
    expect(Properties.DefinitionSubstitutions).toEqual({
      WorkFunctionArn: { 'Fn::GetAtt': [logicalId(stack.workflow.work.function), 'Arn'] },
      RecordFailureFunctionArn: {
        'Fn::GetAtt': [logicalId(stack.workflow.recordFailure.function), 'Arn'],
      },
    });
    expect(Properties.DefinitionString).toBe(readDefinitionTemplate());
    // Substitute as Step Functions does, with stand-in ARNs, and compare with the file rendered alike.
    const standIns = {
      WorkFunctionArn: 'arn:work',
      RecordFailureFunctionArn: 'arn:record-failure',
    };
    const deployed = (Properties.DefinitionString as string).replace(
      /\$\{(\w+)\}/g,
      (_, name: keyof typeof standIns) => standIns[name],
    );
    expect(JSON.parse(deployed)).toEqual(JSON.parse(renderDefinition(standIns)));
  });

  it('is a Standard workflow that logs every event without execution data, with tracing', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: Match.anyValue() } }],
      },
    });
  });
});

describe('resume sweep', () => {
  it('runs every few minutes, with the timeout of the route table', () => {
    const schedule = resource(logicalId(stack.workflow.resumeSchedule)).Properties;
    expect(schedule.ScheduleExpression).toBe(`rate(${RESUME_FUNCTION.everyMinutes} minutes)`);
    expect(schedule.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [logicalId(stack.workflow.resume.function), 'Arn'] },
      }),
    ]);
    const fn = resource(logicalId(stack.workflow.resume.function)).Properties;
    expect(fn.Timeout).toBe(RESUME_FUNCTION.timeoutSeconds);
    expect(fn.Environment.Variables.STATE_MACHINE_ARN).toEqual({
      Ref: logicalId(stack.workflow.stateMachine),
    });
  });
});

describe('net for executions that end badly', () => {
  const rule = () => resource(logicalId(stack.workflow.endedBadly)).Properties;
  const target = () => {
    const [only, ...others] = rule().Targets;
    expect(others).toEqual([]);
    return only;
  };

  it("matches this state machine's executions that failed, timed out or were aborted", () => {
    expect(rule().EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: {
        stateMachineArn: [{ Ref: logicalId(stack.workflow.stateMachine) }],
        status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
      },
    });
  });

  it('sends them to RecordFailure, retried for up to a day; only this rule may invoke it', () => {
    const recordFailure = logicalId(stack.workflow.recordFailure.function);
    expect(target().Arn).toEqual({ 'Fn::GetAtt': [recordFailure, 'Arn'] });
    expect(target().RetryPolicy).toEqual({
      MaximumEventAgeInSeconds: 86_400,
      MaximumRetryAttempts: 185,
    });
    const fromEvents = Object.values(template.findResources('AWS::Lambda::Permission'))
      .map((permission) => permission.Properties)
      .filter(
        (properties) =>
          properties.Principal === 'events.amazonaws.com' &&
          JSON.stringify(properties.FunctionName).includes(recordFailure),
      );
    expect(fromEvents).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [recordFailure, 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [logicalId(stack.workflow.endedBadly), 'Arn'] },
      },
    ]);
  });

  it('gives RecordFailure the execution name (whose task it finds) and a failure naming the status', () => {
    const event = {
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      detail: { name: '01JTASK', status: 'TIMED_OUT', stateMachineArn: 'arn:sm' },
    };
    const input: RecordFailureInput = JSON.parse(
      renderInputTransformer(target().InputTransformer, event),
    );
    expect(input).toEqual({
      task_id: '01JTASK',
      execution: '01JTASK',
      failure: {
        Error: 'ExecutionTIMED_OUT',
        Cause: 'The workflow execution ended TIMED_OUT',
      },
    });
  });
});

describe('table', () => {
  it('is on demand, encrypted, with point-in-time recovery and the TTL attribute of the schema', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.ttlAttribute, Enabled: true },
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      ],
    });
  });

  it('has the keys and indexes local mode creates', () => {
    const { Properties } = onlyResource(template, 'AWS::DynamoDB::GlobalTable');
    expect(Properties.KeySchema).toEqual([
      { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
    ]);
    expect(Properties.GlobalSecondaryIndexes).toEqual(createTableInput('t').GlobalSecondaryIndexes);
    expect(Properties.AttributeDefinitions).toEqual(
      expect.arrayContaining(createTableInput('t').AttributeDefinitions),
    );
  });

  it('streams old images, so tasks deleted by TTL can be uncounted from the totals', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      StreamSpecification: { StreamViewType: 'OLD_IMAGE' },
    });
  });

  it('projects only keys into its indexes, so a progress write touches none of them', () => {
    const { Properties } = onlyResource(template, 'AWS::DynamoDB::GlobalTable');
    const projections = Properties.GlobalSecondaryIndexes.map(
      (index: { Projection: { ProjectionType: string } }) => index.Projection.ProjectionType,
    );
    expect(projections).toEqual(Object.values(TABLE_SCHEMA.indexes).map(() => 'KEYS_ONLY'));
    const keyNames = Properties.GlobalSecondaryIndexes.flatMap(
      (index: { KeySchema: { AttributeName: string }[] }) =>
        index.KeySchema.map((key) => key.AttributeName),
    );
    expect(keyNames).not.toContain('progress');
    expect(keyNames).not.toContain('kind');
  });

  it('is kept, and protected from deletion, under the default removal policy (retain)', () => {
    expect(cdkJsonContext().removalPolicy).toBe('retain');
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      Properties: { Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })] },
    });
  });
});

describe('dashboard', () => {
  it('keeps the bucket private: all public access blocked, TLS enforced, no website hosting', () => {
    const bucket = resource(logicalId(stack.dashboard.bucket)).Properties;
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.BucketEncryption).toBeDefined();
    expect(bucket.WebsiteConfiguration).toBeUndefined();
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(stack.dashboard.bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('lets only CloudFront read the bucket, through origin access control', () => {
    const [s3Origin] = distributionConfig().Origins;
    expect(s3Origin.DomainName).toEqual({
      'Fn::GetAtt': [logicalId(stack.dashboard.bucket), 'RegionalDomainName'],
    });
    expect(s3Origin.OriginAccessControlId).toBeDefined();
  });

  it('redirects HTTP to HTTPS and serves index.html at the root', () => {
    const config = distributionConfig();
    expect(config.DefaultRootObject).toBe('index.html');
    for (const behavior of [config.DefaultCacheBehavior, ...config.CacheBehaviors])
      expect(behavior.ViewerProtocolPolicy).toBe('redirect-to-https');
  });

  it('sends /tasks* and /health to the API over HTTPS, with every method', () => {
    const config = distributionConfig();
    const apiOrigin = config.Origins.find(
      (origin: { DomainName: unknown }) =>
        JSON.stringify(origin.DomainName) === JSON.stringify(stack.resolve(stack.api.domainName)),
    );
    expect(apiOrigin.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only' });
    const byPath = new Map(
      config.CacheBehaviors.map((b: { PathPattern: string }) => [b.PathPattern, b]),
    );
    expect([...byPath.keys()].sort()).toEqual(['/health', '/tasks*']);
    for (const behavior of byPath.values()) {
      expect(behavior).toMatchObject({
        TargetOriginId: apiOrigin.Id,
        CachePolicyId: { Ref: expect.stringMatching(/ApiCache/) },
        OriginRequestPolicyId: { Ref: onlyId('AWS::CloudFront::OriginRequestPolicy') },
        AllowedMethods: expect.arrayContaining(['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS']),
      });
    }
  });

  it('forwards every query string and only the headers the API reads to the API, no cookies', () => {
    const policy = onlyResource(template, 'AWS::CloudFront::OriginRequestPolicy').Properties
      .OriginRequestPolicyConfig;
    expect(policy.CookiesConfig).toEqual({ CookieBehavior: 'none' });
    expect(policy.QueryStringsConfig).toEqual({ QueryStringBehavior: 'all' });
    expect(policy.HeadersConfig).toEqual({
      HeaderBehavior: 'whitelist',
      Headers: [...API_REQUEST_HEADERS],
    });
    expect(API_REQUEST_HEADERS).toEqual(
      expect.arrayContaining(['If-None-Match', 'Idempotency-Key', 'Content-Type', 'Origin']),
    );
    // CloudFront refuses Authorization in an origin request policy; Host would break API Gateway.
    expect(API_REQUEST_HEADERS).not.toContain('Authorization');
    expect(API_REQUEST_HEADERS).not.toContain('Host');
  });

  it('attaches no managed policy that forwards cookies to the API paths', () => {
    const forwardingCookies = [
      OriginRequestPolicy.ALL_VIEWER,
      OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      OriginRequestPolicy.ALL_VIEWER_AND_CLOUDFRONT_2022,
      OriginRequestPolicy.USER_AGENT_REFERER_HEADERS,
    ].map((policy) => policy.originRequestPolicyId);
    for (const behavior of distributionConfig().CacheBehaviors) {
      expect(behavior.OriginRequestPolicyId).toBeDefined();
      expect(forwardingCookies).not.toContain(behavior.OriginRequestPolicyId);
      expect(behavior.ForwardedValues).toBeUndefined();
    }
  });

  it('never caches an error CloudFront could cache, API or dashboard', () => {
    expect(distributionConfig().CustomErrorResponses).toEqual(
      CACHEABLE_ERROR_STATUSES.map((status) => ({ ErrorCode: status, ErrorCachingMinTTL: 0 })),
    );
    for (const status of [400, 404, 405, 500, 502, 503, 504])
      expect(CACHEABLE_ERROR_STATUSES).toContain(status);
  });

  it('covers every route of the route table with the API paths', () => {
    // CloudFront's `*` matches any characters; these patterns only use it at the end.
    const matches = (pattern: string, path: string) =>
      pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern;
    for (const route of ROUTES)
      expect(API_PATH_PATTERNS.some((pattern) => matches(pattern, route.path))).toBe(true);
  });

  it('sends a strict content security policy with HSTS, nosniff, frame and referrer headers', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; " +
        "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: {
          ContentSecurityPolicy: {
            ContentSecurityPolicy: stack.resolve(
              contentSecurityPolicy(stack.signIn?.domain.baseUrl()),
            ),
            Override: true,
          },
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: Match.anyValue() }),
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ReferrerPolicy: Match.objectLike({ ReferrerPolicy: Match.anyValue() }),
        },
      },
    });
  });

  it('uploads web/ and invalidates the whole distribution', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: { Ref: logicalId(stack.dashboard.bucket) },
      DistributionId: { Ref: logicalId(stack.dashboard.distribution) },
      DistributionPaths: ['/*'],
    });
  });

  it('uploads every file with Cache-Control no-cache, so browsers revalidate each load', () => {
    const deployments = Object.values(template.findResources('Custom::CDKBucketDeployment'));
    expect(deployments).toHaveLength(1);
    for (const deployment of deployments)
      expect(deployment.Properties.SystemMetadata).toEqual({ 'cache-control': 'no-cache' });
  });
});

describe('alarms', () => {
  const alarms = () => Object.values(template.findResources('AWS::CloudWatch::Alarm'));
  const topic = () => ({ Ref: logicalId(stack.alarms.topic) });
  /** The metrics an alarm watches: its own, or those of its math expression. */
  // biome-ignore lint/suspicious/noExplicitAny: template resources are untyped JSON
  const watched = (alarm: { [key: string]: any }) => {
    const { MetricName, Namespace, Dimensions, Metrics } = alarm.Properties as {
      MetricName?: string;
      Namespace?: string;
      Dimensions?: unknown;
      Metrics?: { MetricStat?: { Metric: Record<string, unknown> } }[];
    };
    if (MetricName) return [{ MetricName, Namespace, Dimensions }];
    return (Metrics ?? []).flatMap((query) => (query.MetricStat ? [query.MetricStat.Metric] : []));
  };
  const alarmsOn = (metricName: string, dimension?: unknown) =>
    alarms().filter((alarm) =>
      watched(alarm).some(
        (metric) =>
          metric.MetricName === metricName &&
          (dimension === undefined ||
            JSON.stringify(metric.Dimensions).includes(JSON.stringify(dimension))),
      ),
    );

  it('tell the SNS topic when they go off and when they recover', () => {
    expect(alarms().length).toBeGreaterThan(0);
    for (const alarm of alarms()) {
      expect(alarm.Properties.AlarmActions).toEqual([topic()]);
      expect(alarm.Properties.OKActions).toEqual([topic()]);
      expect(alarm.Properties.AlarmDescription).toEqual(expect.any(String));
    }
  });

  it('send to a topic encrypted with a rotated key that CloudWatch may use, over TLS only', () => {
    const { Properties } = resource(logicalId(stack.alarms.topic));
    const keyId = Properties.KmsMasterKeyId['Fn::GetAtt'][0];
    const key = resource(keyId).Properties;
    expect(key.EnableKeyRotation).toBe(true);
    expect(key.KeyPolicy.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        }),
      ]),
    );
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
          }),
        ]),
      },
    });
  });

  it('subscribe no one unless alarmEmail is set', () => {
    expect(cdkJsonContext().alarmEmail).toBe('');
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('watch errors and throttles of every function', () => {
    for (const [name, handler] of stack.serviceFunctions()) {
      const fn = { Name: 'FunctionName', Value: { Ref: logicalId(handler.function) } };
      expect(alarmsOn('Errors', fn), name).toHaveLength(1);
      const throttles = alarmsOn('Throttles', fn);
      expect(throttles, name).toHaveLength(1);
      // Work's throttles are waits for a slot handed on: only three periods in a row alarm.
      expect(throttles[0]?.Properties.EvaluationPeriods, name).toBe(name === 'Work' ? 3 : 1);
    }
  });

  it('watch the rate of API 5xx responses', () => {
    const [alarm] = alarmsOn('5xx');
    expect(alarm?.Properties.Metrics.map((m: { Expression?: string }) => m.Expression)).toContain(
      'IF(requests > 0, 100 * FILL(errors, 0) / requests, 0)',
    );
    expect(alarmsOn('Count')).toEqual([alarm]);
  });

  it('watch failed, timed-out and (in waves) aborted executions of the state machine', () => {
    const machine = {
      Name: 'StateMachineArn',
      Value: { Ref: logicalId(stack.workflow.stateMachine) },
    };
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'])
      expect(alarmsOn(metric, machine), metric).toHaveLength(1);
  });

  it('watch the task failure rate from the TaskFailed and TaskSucceeded metrics', () => {
    const service = { Name: 'service', Value: 'tasks-service' };
    const [alarm] = alarmsOn('TaskFailed', service);
    expect(alarmsOn('TaskSucceeded', service)).toEqual([alarm]);
    const metrics = watched(alarm ?? {});
    expect(metrics.every((m) => m.Namespace === 'TasksService')).toBe(true);
    const expression = alarm?.Properties.Metrics.find((m: { Expression?: string }) => m.Expression);
    expect(expression.Expression).toMatch(
      /100 \* FILL\(failed, 0\) \/ \(FILL\(failed, 0\) \+ FILL\(succeeded, 0\)\)/,
    );
  });

  it("watch throttled requests on each of the table's operations", () => {
    const [alarm] = alarmsOn('ThrottledRequests');
    const operations = watched(alarm ?? {}).map(
      (m) =>
        (m.Dimensions as { Name: string; Value: string }[]).find((d) => d.Name === 'Operation')
          ?.Value,
    );
    expect(operations.sort()).toEqual(['DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem']);
  });

  it('appear, with the golden signals, on one CloudWatch dashboard', () => {
    const body = JSON.stringify(onlyResource(template, 'AWS::CloudWatch::Dashboard').Properties);
    for (const signal of [
      'Count',
      '5xx',
      'Latency',
      'ExecutionsStarted',
      'ExecutionsFailed',
      'TaskFailed',
      'TaskSucceeded',
      'Throttles',
      'ThrottledRequests',
    ])
      expect(body, signal).toContain(`\\"${signal}\\"`);
    for (const alarm of Object.keys(template.findResources('AWS::CloudWatch::Alarm')))
      expect(body).toContain(alarm);
  });
});

describe('stack', () => {
  it('outputs the dashboard URL and the API URL', () => {
    template.hasOutput('DashboardUrl', {
      Value: {
        'Fn::Join': [
          '',
          ['https://', { 'Fn::GetAtt': [logicalId(stack.dashboard.distribution), 'DomainName'] }],
        ],
      },
    });
    template.hasOutput('ApiUrl', { Value: stack.resolve(stack.api.stage.url) });
    template.hasOutput('AlarmTopicArn', { Value: { Ref: logicalId(stack.alarms.topic) } });
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    // Synthesis already ran the checks and would have thrown; this names any finding directly.
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports).toEqual([]);
  });

  it('would fail synthesis on an unacknowledged cdk-nag finding', () => {
    const app = new App({ outdir: join(outdir, 'nag-probe') });
    new Bucket(new Stack(app, 'Probe'), 'BucketWithoutAccessLogs');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });
});
