import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { SignIn, type SignInProps, TASK_SCOPES } from '../../infra/constructs/sign-in.ts';

const CALLBACK = 'https://d111111abcdef8.cloudfront.net/';

function synth(overrides: Partial<SignInProps> = {}) {
  const stack = new Stack(new App(), 'SignInTest', {
    env: { region: 'eu-west-1', account: '111111111111' },
  });
  const signIn = new SignIn(stack, 'SignIn', {
    domainPrefix: 'tasks-test',
    callbackUrls: [CALLBACK],
    logoutUrls: [CALLBACK],
    removalPolicy: 'retain',
    ...overrides,
  });
  const api = new HttpApi(stack, 'Api', { createDefaultStage: true });
  api.addRoutes({
    path: '/tasks',
    methods: [HttpMethod.GET],
    integration: new HttpUrlIntegration('Backend', 'https://backend.example.com'),
    authorizer: signIn.authorizer,
    authorizationScopes: [TASK_SCOPES.read, TASK_SCOPES.admin],
  });
  return { stack, signIn, template: Template.fromStack(stack) };
}

const ref = (stack: Stack, value: string) => stack.resolve(value);

/** A client's properties, with its scopes written out (`tasks/read` for the resource server's Ref). */
function client(template: Template, stack: Stack, signIn: SignIn, name: string) {
  const clients = Object.values(template.findResources('AWS::Cognito::UserPoolClient'));
  const props = clients.find((resource) => resource.Properties.ClientName === name)?.Properties;
  const serverRef = JSON.stringify(ref(stack, signIn.resourceServer.userPoolResourceServerId));
  const render = (scope: unknown): string => {
    if (typeof scope === 'string') return scope;
    const [separator, parts] = (scope as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    return parts
      .map((part) => (JSON.stringify(part) === serverRef ? 'tasks' : render(part)))
      .join(separator);
  };
  return {
    ...props,
    AllowedOAuthScopes: ((props?.AllowedOAuthScopes ?? []) as unknown[]).map(render),
  };
}

describe('SignIn', () => {
  it('creates a user pool without self sign-up, with a strong password policy and optional TOTP', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UsernameConfiguration: { CaseSensitive: false },
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      UserPoolTier: 'ESSENTIALS',
      DeletionProtection: 'ACTIVE',
    });
    template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' });
  });

  it('turns on self sign-up, required MFA and deletion on request', () => {
    const { template } = synth({ selfSignUp: true, requireMfa: true, removalPolicy: 'destroy' });
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
      MfaConfiguration: 'ON',
      DeletionProtection: 'INACTIVE',
    });
    template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Delete' });
  });

  it('serves managed login on a Cognito domain, styled for the dashboard client', () => {
    const { stack, signIn, template } = synth();
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: 'tasks-test',
      ManagedLoginVersion: 2,
    });
    template.hasResourceProperties('AWS::Cognito::ManagedLoginBranding', {
      ClientId: ref(stack, signIn.dashboardClient.userPoolClientId),
      UseCognitoProvidedValues: true,
    });
  });

  it('defines the tasks resource server with read, write and admin scopes', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'tasks',
      Scopes: [
        Match.objectLike({ ScopeName: 'read' }),
        Match.objectLike({ ScopeName: 'write' }),
        Match.objectLike({ ScopeName: 'admin' }),
      ],
    });
  });

  it('gives the dashboard a public client for authorization code sign-in without tasks/admin', () => {
    const { stack, signIn, template } = synth();
    expect(client(template, stack, signIn, 'dashboard')).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'profile', 'tasks/read', 'tasks/write'],
      CallbackURLs: [CALLBACK],
      LogoutURLs: [CALLBACK],
      PreventUserExistenceErrors: 'ENABLED',
    });
  });

  it('gives machines a confidential client-credentials client', () => {
    const { stack, signIn, template } = synth();
    expect(client(template, stack, signIn, 'machines')).toMatchObject({
      GenerateSecret: true,
      AllowedOAuthFlows: ['client_credentials'],
      AllowedOAuthScopes: ['tasks/read', 'tasks/write'],
    });
  });

  it('lets only the operators client ask for tasks/admin, and only by client credentials', () => {
    const { stack, signIn, template } = synth();
    const operators = client(template, stack, signIn, 'operators');
    expect(operators.AllowedOAuthFlows).toEqual(['client_credentials']);
    expect(operators.GenerateSecret).toBe(true);
    expect(operators.AllowedOAuthScopes).toContain('tasks/admin');
    for (const name of ['dashboard', 'machines'])
      expect(client(template, stack, signIn, name).AllowedOAuthScopes).not.toContain('tasks/admin');
  });

  it('authorizes API routes by JWT from the pool, with every client as the audience', () => {
    const { stack, signIn, template } = synth();
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Issuer: ref(stack, signIn.userPool.userPoolProviderUrl),
        Audience: [
          ref(stack, signIn.dashboardClient.userPoolClientId),
          ref(stack, signIn.machineClient.userPoolClientId),
          ref(stack, signIn.operatorClient.userPoolClientId),
        ],
      },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      AuthorizationType: 'JWT',
      AuthorizationScopes: ['tasks/read', 'tasks/admin'],
    });
  });

  it('hands the dashboard its sign-in settings, none of them secret', () => {
    const { stack, signIn } = synth();
    expect(stack.resolve(signIn.dashboardSettings())).toEqual({
      issuer: ref(stack, signIn.userPool.userPoolProviderUrl),
      signInUrl: ref(stack, signIn.domain.baseUrl()),
      clientId: ref(stack, signIn.dashboardClient.userPoolClientId),
      scopes: ['openid', 'profile', 'tasks/read', 'tasks/write'],
    });
  });

  it('leaves no cdk-nag finding unacknowledged, with or without required MFA', () => {
    for (const requireMfa of [false, true]) {
      const { stack } = synth({ requireMfa });
      const violations = new AwsSolutionsChecks().validateScope(stack).violations;
      // The test stack's API has no access logs or throttling; those belong to the real API's construct.
      expect(
        violations.filter((violation) => !/^AwsSolutions-APIG/.test(violation.ruleName)),
      ).toEqual([]);
    }
  });
});
