import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CachePolicy, OriginRequestPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_TIMEOUT_SECONDS,
  RESUME_FUNCTION,
  ROUTES,
  type TableAccess,
  WORK_SLICE_SECONDS,
  WORKFLOW_FUNCTIONS,
} from '../../functions/routes.ts';
import { TABLE_SCHEMA } from '../../functions/tasks/schema.ts';
import type { RecordFailureInput } from '../../functions/worker/record-failure.ts';
import { CONTENT_SECURITY_POLICY } from '../../infra/constructs/security-headers.ts';
import { addTasksService } from '../../infra/tasks-app.ts';
import { API_PATH_PATTERNS, type TasksStack } from '../../infra/tasks-stack.ts';
import {
  readDefinitionTemplate,
  renderDefinition,
  SUBSTITUTIONS,
} from '../../infra/workflow/definition.ts';
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
const roleStatements = (name: string) =>
  statementsOfRole(template, logicalId(routeFunction(name).role));
/** Every function with the table access the route table declares for it, by name. */
const declaredTableAccess = (): Record<string, TableAccess> => ({
  ...Object.fromEntries(ROUTES.map((route) => [route.name, route.table])),
  ...Object.fromEntries(Object.entries(WORKFLOW_FUNCTIONS).map(([name, fn]) => [name, fn.table])),
  ResumeTasks: RESUME_FUNCTION.table,
});
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

describe('HTTP API', () => {
  it('serves exactly the seven routes of the route table', () => {
    const routeKeys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (route) => route.Properties.RouteKey,
    );
    expect(routeKeys.sort()).toEqual(
      [
        'POST /tasks',
        'GET /tasks',
        'GET /tasks/{id}/status',
        'PATCH /tasks/{id}/status',
        'GET /tasks/{id}/result',
        'DELETE /tasks/{id}',
        'GET /health',
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
    expect(new Set(targets.values()).size).toBe(ROUTES.length);
    for (const route of ROUTES) {
      const handler = routeFunction(route.name);
      expect(targets.get(`${route.method} ${route.path}`)).toBe(logicalId(handler.function));
    }
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

describe('functions', () => {
  it('run Node 22 on arm64 as ESM with source maps, active tracing and bounded log retention', () => {
    for (const handler of serviceFunctions()) {
      const { Properties } = resource(logicalId(handler.function));
      expect(Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: logicalId(handler.logGroup) } },
        Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
      });
      expect(resource(logicalId(handler.logGroup)).Properties.RetentionInDays).toBe(
        cdkJsonContext().logRetentionDays,
      );
    }
  });

  it('tell every handler the table and how many days finished tasks are kept', () => {
    for (const handler of serviceFunctions()) {
      const variables = resource(logicalId(handler.function)).Properties.Environment.Variables;
      expect(variables.TABLE_NAME).toEqual({ Ref: logicalId(stack.tasks.table) });
      expect(variables.TASK_RETENTION_DAYS).toBe(String(cdkJsonContext().taskRetentionDays));
    }
  });

  it('give the API functions their timeout from the route table', () => {
    for (const handler of stack.api.functions.values())
      expect(resource(logicalId(handler.function)).Properties.Timeout).toBe(API_TIMEOUT_SECONDS);
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

  it('grant each function exactly the DynamoDB actions its handler calls, and no more', () => {
    expect(declaredTableAccess()).toEqual({
      CreateTask: { items: ['PutItem', 'UpdateItem'] },
      ListTasks: { indexes: ['Query'] },
      GetTaskStatus: { items: ['GetItem'] },
      CancelTask: { items: ['UpdateItem'] },
      GetTaskResult: { items: ['GetItem'] },
      DeleteTask: { items: ['DeleteItem'] },
      Health: { items: ['GetItem'] },
      Work: { items: ['GetItem', 'UpdateItem'] },
      RecordFailure: { items: ['UpdateItem'] },
      ResumeTasks: { items: ['GetItem', 'UpdateItem'], indexes: ['Query'] },
    });
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

  it('let only the listing and the resume sweep reach the indexes', () => {
    for (const name of Object.keys(declaredTableAccess())) {
      const onIndexes = dynamodbGrants(name).filter((grant) => grant.includes('/index/*'));
      expect(onIndexes.length > 0, name).toBe(name === 'ListTasks' || name === 'ResumeTasks');
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
    expect(readOnly.sort()).toEqual(['GetTaskResult', 'GetTaskStatus', 'Health', 'ListTasks']);
    for (const name of readOnly) {
      const actions = statementsOfRole(template, logicalId(functionNamed(name).role)).flatMap(
        actionsOf,
      );
      for (const write of writes) expect(actions, name).not.toContain(write);
    }
  });

  it('let only the create route and the resume sweep start executions, on the one state machine', () => {
    const stateMachine = { Ref: logicalId(stack.workflow.stateMachine) };
    for (const name of Object.keys(declaredTableAccess())) {
      const starts = statementsOfRole(template, logicalId(functionNamed(name).role)).filter((s) =>
        actionsOf(s).includes('states:StartExecution'),
      );
      const mayStart = name === 'CreateTask' || name === 'ResumeTasks';
      expect(
        starts.map((s) => s.Resource),
        name,
      ).toEqual(mayStart ? [stateMachine] : []);
    }
  });

  it("let only cancel and delete stop executions, only the state machine's own", () => {
    for (const route of ROUTES) {
      const stops = roleStatements(route.name).filter((s) =>
        actionsOf(s).includes('states:StopExecution'),
      );
      expect(stops.map((s) => s.Resource)).toEqual(route.workflow === 'stop' ? [executions()] : []);
    }
  });

  it("let only the reconciler describe executions, only the state machine's own", () => {
    for (const name of Object.keys(declaredTableAccess())) {
      const describes = statementsOfRole(template, logicalId(functionNamed(name).role)).filter(
        (s) => actionsOf(s).includes('states:DescribeExecution'),
      );
      expect(
        describes.map((s) => s.Resource),
        name,
      ).toEqual(name === 'ResumeTasks' ? [executions()] : []);
    }
  });

  const executions = () => ({
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':states:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        ':execution:',
        { 'Fn::GetAtt': [logicalId(stack.workflow.stateMachine), 'Name'] },
        ':*',
      ],
    ],
  });

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
    expect(Properties.GlobalSecondaryIndexes).toEqual(
      Object.values(TABLE_SCHEMA.indexes).map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    );
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
  const distributionConfig = () =>
    onlyResource(template, 'AWS::CloudFront::Distribution').Properties.DistributionConfig;

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

  it('sends /tasks* and /health to the API over HTTPS, uncached, with every method', () => {
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
        CachePolicyId: CachePolicy.CACHING_DISABLED.cachePolicyId,
        OriginRequestPolicyId:
          OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER.originRequestPolicyId,
        AllowedMethods: expect.arrayContaining(['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS']),
      });
    }
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
          ContentSecurityPolicy: { ContentSecurityPolicy: CONTENT_SECURITY_POLICY, Override: true },
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
