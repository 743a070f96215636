import { Duration, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  type HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { API_TIMEOUT_SECONDS, DEFAULT_ROUTE, ROUTES } from '../../functions/catalog.ts';
import { routeScopes } from '../../functions/http/caller.ts';
import {
  parseRouteThrottles,
  ROUTE_THROTTLES_CONTEXT,
  type RouteThrottles,
} from '../route-throttles.ts';
import { acknowledge } from './acknowledge.ts';
import { type FunctionDefaults, ServiceFunction } from './service-function.ts';
import type { TasksTable } from './tasks-table.ts';

export interface TasksApiProps {
  tasks: TasksTable;
  workflow: StateMachine;
  defaults: FunctionDefaults;
  /** The stage's default: every route without a throttle of its own (`$default`). */
  throttle: { rateLimit: number; burstLimit: number };
  /** Each route's own throttle; from the `apiRouteThrottles` context over the defaults when omitted. */
  routeThrottles?: RouteThrottles;
  /**
   * The JWT authorizer every task route takes, with its route's scopes; undefined only for
   * a deployment with `-c auth=none`, whose API is open to anyone.
   */
  authorizer: IHttpRouteAuthorizer | undefined;
}

/** HTTP API access log fields, one JSON object per request. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    sourceIp: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    routeKey: '$context.routeKey',
    path: '$context.path',
    status: '$context.status',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
  }),
);

/**
 * The HTTP API: one function per route of the route table, on a throttled, logged default
 * stage; every task route behind the JWT authorizer with its scopes, /health open.
 */
export class TasksApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  /** The route functions, by route name. */
  readonly functions: ReadonlyMap<string, ServiceFunction>;
  /** Answers requests no route matches: the contract's JSON 404, or 405 with `Allow`. */
  readonly notFound: ServiceFunction;
  /** The API's own host name, which CloudFront forwards API paths to. */
  readonly domainName: string;

  constructor(scope: Construct, id: string, props: TasksApiProps) {
    super(scope, id);
    const { tasks, workflow, defaults } = props;
    this.api = new HttpApi(this, 'Api', {
      description: 'Long-running tasks: create, list, read, cancel and delete tasks',
      createDefaultStage: false,
      // The execute-api endpoint stays on: it is the host CloudFront forwards to, and turning it
      // off leaves a custom domain name as the only way in
      // (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-disable-default-endpoint.html).
      // Both doors reach the same handlers under the same stage throttling; once the service has a
      // custom domain, CloudFront can use it and this endpoint can be disabled.
      disableExecuteApiEndpoint: false,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: defaults.logRetention,
      removalPolicy: defaults.removalPolicy,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
    });
    const stack = Stack.of(this);
    this.domainName = `${this.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`;

    const throttles =
      props.routeThrottles ?? parseRouteThrottles(this.node.tryGetContext(ROUTE_THROTTLES_CONTEXT));
    // CloudFormation's own names: the property is untyped JSON, so the CDK passes it as it is.
    const routeSettings: Record<
      string,
      { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }
    > = {};
    const functions = new Map<string, ServiceFunction>();
    for (const route of ROUTES) {
      const handler = new ServiceFunction(this, route.name, {
        entry: route.entry,
        description: `${route.method} ${route.path}`,
        timeout: Duration.seconds(route.timeoutSeconds ?? API_TIMEOUT_SECONDS),
        defaults,
      }).useTable(tasks, route.table);
      handler.allowOnWorkflow(workflow, route.workflow ?? []);
      const scopes = props.authorizer && routeScopes(route);
      const routes = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${route.name}Integration`, handler.function),
        ...(scopes && { authorizer: props.authorizer, authorizationScopes: [...scopes] }),
      });
      if (props.authorizer && !scopes) {
        const reason = `${route.method} ${route.path} is open by design: it shows no task data.`;
        for (const open of routes) {
          acknowledge(open, 'APIG4', reason);
          acknowledge(open, 'COG4', reason);
        }
      }
      const throttle = throttles[route.name];
      if (throttle) {
        routeSettings[`${route.method} ${route.path}`] = {
          ThrottlingRateLimit: throttle.rateLimit,
          ThrottlingBurstLimit: throttle.burstLimit,
        };
        // A stage's route settings must name routes that exist already, or the stage fails
        // to create ("Unable to find Route by key"): the stage waits for its routes.
        for (const created of routes) this.stage.node.addDependency(created);
      }
      functions.set(route.name, handler);
    }
    // Per-route throttling: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html
    (this.stage.node.defaultChild as CfnStage).routeSettings = routeSettings;
    this.functions = functions;
    this.notFound = this.addDefaultRoute(defaults);

    if (!props.authorizer) {
      const open =
        'Deployed with -c auth=none on purpose: the API is open to anyone, as before sign-in, ' +
        'for clients of the old service; every caller is the same owner.';
      acknowledge(this.api, 'APIG4', open);
      acknowledge(this.api, 'COG4', open);
    }
  }

  /**
   * `$default` catches every request no other route matches
   * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html);
   * without it API Gateway answers those itself, outside the contract's `{error, code}` shape.
   */
  private addDefaultRoute(defaults: FunctionDefaults): ServiceFunction {
    const handler = new ServiceFunction(this, DEFAULT_ROUTE.name, {
      entry: DEFAULT_ROUTE.entry,
      description: 'Any request no route matches: 404, or 405 with Allow',
      timeout: Duration.seconds(API_TIMEOUT_SECONDS),
      memorySize: 128,
      defaults,
    });
    const route = new HttpRoute(this, 'DefaultRoute', {
      httpApi: this.api,
      routeKey: HttpRouteKey.DEFAULT,
      integration: new HttpLambdaIntegration('NotFoundIntegration', handler.function),
    });
    const reason =
      'It only answers 404 or 405 and reads no data; it stays open like the routes it stands ' +
      'in for, so that a client without credentials still learns the path is wrong.';
    acknowledge(route, 'APIG4', reason);
    acknowledge(route, 'COG4', reason);
    return handler;
  }
}
