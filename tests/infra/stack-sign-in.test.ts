import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../functions/catalog.ts';
import { routeScopes } from '../../functions/http/caller.ts';
import { addTasksService } from '../../infra/tasks-app.ts';
import type { TasksStack } from '../../infra/tasks-stack.ts';
import { cdkJsonContext, logicalId, onlyResource } from './template-queries.ts';

const outdirs: string[] = [];

/** The stack as `cdk synth` makes it, without bundling the functions (no test here reads them). */
function synth(context: Record<string, unknown> = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'tasks-sign-in-'));
  outdirs.push(outdir);
  const app = new App({
    outdir,
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context },
  });
  const stack = addTasksService(app);
  const assembly = app.synth();
  return { stack, template: Template.fromStack(stack), outdir: assembly.directory };
}

afterAll(() => {
  for (const outdir of outdirs) rmSync(outdir, { recursive: true, force: true });
});

/** Each route's CloudFormation properties, by `METHOD /path`. */
function routesOf(template: Template): Map<string, Record<string, unknown>> {
  return new Map(
    Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((route) => [
      route.Properties.RouteKey as string,
      route.Properties as Record<string, unknown>,
    ]),
  );
}

/**
 * The config.json the dashboard deployment writes: the staged file, each deploy-time value
 * replaced by the marker's value from the deployment's SourceMarkers.
 */
function deployedConfig(outdir: string, template: Template): Record<string, unknown> {
  const asset = readdirSync(outdir)
    .map((name) => join(outdir, name, 'config.json'))
    .find((path) => existsSync(path));
  if (!asset) throw new Error('No config.json asset');
  const deployment = onlyResource(template, 'Custom::CDKBucketDeployment');
  const markers = Object.assign({}, ...(deployment.Properties.SourceMarkers ?? [])) as Record<
    string,
    unknown
  >;
  const text = readFileSync(asset, 'utf8').replace(/<<marker:0xbaba:\d+>>/g, (marker) =>
    JSON.stringify(markers[marker]).replaceAll('"', "'"),
  );
  return JSON.parse(text);
}

// Each synthesis runs cdk-nag: it throws on any finding not acknowledged with a reason.
describe('the stack with sign-in (the default)', () => {
  let stack: TasksStack;
  let template: Template;
  let outdir: string;
  beforeAll(() => {
    ({ stack, template, outdir } = synth());
  }, 120_000);

  it('puts the JWT authorizer with its scopes on every task route', () => {
    const authorizerId = onlyResource(template, 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizerId.Properties).toMatchObject({ AuthorizerType: 'JWT' });
    const routes = routesOf(template);
    for (const route of ROUTES.filter((route) => route.path !== '/health')) {
      const properties = routes.get(`${route.method} ${route.path}`);
      expect(properties, `${route.method} ${route.path}`).toMatchObject({
        AuthorizationType: 'JWT',
        AuthorizationScopes: [...(routeScopes(route) ?? [])],
        AuthorizerId: { Ref: expect.any(String) },
      });
    }
  });

  it('leaves /health and the $default route without an authorizer', () => {
    const routes = routesOf(template);
    for (const key of ['GET /health', '$default']) {
      const properties = routes.get(key);
      expect(properties, key).toBeDefined();
      expect(properties?.AuthorizerId).toBeUndefined();
      expect(properties?.AuthorizationType ?? 'NONE').toBe('NONE');
    }
  });

  it('trusts the user pool issuer for the dashboard, machine and operator clients', () => {
    const { Properties } = onlyResource(template, 'AWS::ApiGatewayV2::Authorizer');
    const signIn = stack.signIn;
    if (!signIn) throw new Error('no sign-in');
    expect(Properties.JwtConfiguration.Audience).toEqual([
      { Ref: logicalId(signIn.dashboardClient) },
      { Ref: logicalId(signIn.machineClient) },
      { Ref: logicalId(signIn.operatorClient) },
    ]);
    expect(JSON.stringify(Properties.JwtConfiguration.Issuer)).toContain(
      logicalId(signIn.userPool),
    );
  });

  it('forwards Authorization to the API through a cache policy that keys on it and caches nothing', () => {
    const policies = Object.values(template.findResources('AWS::CloudFront::CachePolicy'));
    const keyed = policies.find((policy) =>
      JSON.stringify(policy.Properties).includes('"Authorization"'),
    );
    expect(keyed?.Properties.CachePolicyConfig).toMatchObject({
      MinTTL: 0,
      DefaultTTL: 0,
      MaxTTL: 1,
      ParametersInCacheKeyAndForwardedToOrigin: {
        HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Authorization'] },
        QueryStringsConfig: { QueryStringBehavior: 'all' },
        CookiesConfig: { CookieBehavior: 'none' },
      },
    });
    const config = onlyResource(template, 'AWS::CloudFront::Distribution').Properties
      .DistributionConfig;
    for (const behavior of config.CacheBehaviors)
      expect(behavior.CachePolicyId).toEqual({ Ref: expect.stringMatching(/ApiCache/) });
  });

  it('sends people back to the dashboard after sign-in and sign-out', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ClientName: 'dashboard',
      CallbackURLs: [
        {
          'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.anyValue(), 'DomainName'] }, '/']],
        },
      ],
      LogoutURLs: [Match.anyValue()],
    });
  });

  it('writes config.json with the issuer, sign-in domain, client id and scopes at deploy time', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      SourceObjectKeys: [Match.anyValue(), Match.anyValue()],
    });
    const config = deployedConfig(outdir, template);
    const signIn = stack.signIn;
    if (!signIn) throw new Error('no sign-in');
    expect(config).toEqual({
      auth: 'oidc',
      issuer: expect.stringContaining(logicalId(signIn.userPool)),
      signInUrl: expect.stringMatching(/^https:\/\/.+\.auth\..+\.amazoncognito\.com$/),
      clientId: `{'Ref':'${logicalId(signIn.dashboardClient)}'}`,
      scopes: ['openid', 'profile', 'tasks/read', 'tasks/write'],
    });
  });

  it('lets the page fetch tokens from the Cognito domain, and from nowhere else new', () => {
    const policy = onlyResource(template, 'AWS::CloudFront::ResponseHeadersPolicy');
    const csp = JSON.stringify(
      policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy,
    );
    expect(csp).toContain("connect-src 'self' https://");
    expect(csp).toContain('.amazoncognito.com');
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("form-action 'self'");
  });

  it('keeps self sign-up off unless selfSignUp is set', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
    const { template: open } = synth({ selfSignUp: 'true', stage: 'signup' });
    open.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
    });
  }, 120_000);
});

describe('the stack with -c auth=none', () => {
  let stack: TasksStack;
  let template: Template;
  let outdir: string;
  beforeAll(() => {
    ({ stack, template, outdir } = synth({ auth: 'none', stage: 'open' }));
  }, 120_000);

  it('has no user pool and no authorizer', () => {
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
  });

  it('acknowledges the open API to cdk-nag with the reason, and warns', () => {
    const acknowledged = JSON.stringify(
      stack.api.api.node.metadata.filter(
        (entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY,
      ),
    );
    expect(acknowledged).toContain('AwsSolutions-APIG4');
    expect(acknowledged).toContain('auth=none');
    const warnings = stack.node.metadata.filter((entry) => entry.type === 'aws:cdk:warning');
    expect(JSON.stringify(warnings)).toContain('auth=none');
  });

  it('writes config.json saying the dashboard needs no sign-in', () => {
    expect(deployedConfig(outdir, template)).toEqual({ auth: 'none' });
  });
});
