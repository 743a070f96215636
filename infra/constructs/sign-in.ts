import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import {
  AccountRecovery,
  CfnManagedLoginBranding,
  FeaturePlan,
  ManagedLoginVersion,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  UserPool,
  type UserPoolClient,
  type UserPoolDomain,
  type UserPoolResourceServer,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledge.ts';

export interface SignInProps {
  /** The managed login domain's prefix: `https://<prefix>.auth.<region>.amazoncognito.com`. */
  domainPrefix: string;
  /** Where the dashboard receives the authorization code, e.g. `https://<distribution>/`. */
  callbackUrls: string[];
  /** Where the dashboard may send people after sign-out. */
  logoutUrls: string[];
  /** Whether anyone may create an account on the sign-in page; off, an administrator creates users. */
  selfSignUp?: boolean;
  /** Whether every user must set up an authenticator app. */
  requireMfa?: boolean;
  /** `retain` also turns on the user pool's deletion protection. */
  removalPolicy: 'retain' | 'destroy';
}

/** The resource server's identifier, which prefixes its scopes. */
export const RESOURCE_SERVER = 'tasks';
export const TASK_SCOPES = {
  read: `${RESOURCE_SERVER}/read`,
  write: `${RESOURCE_SERVER}/write`,
  admin: `${RESOURCE_SERVER}/admin`,
} as const;

/**
 * Sign-in for the service: a Cognito user pool with managed login, a `tasks` resource
 * server, an app client for the dashboard (authorization code with PKCE, no secret), an
 * app client for machines (client credentials), and the HTTP API's JWT authorizer.
 * Access tokens carry `client_id` and no `aud`, so the authorizer's audience is the client ids.
 */
export class SignIn extends Construct {
  readonly userPool: UserPool;
  readonly domain: UserPoolDomain;
  readonly resourceServer: UserPoolResourceServer;
  readonly dashboardClient: UserPoolClient;
  readonly machineClient: UserPoolClient;
  /** Client credentials with tasks/admin, for operators' scripts. */
  readonly operatorClient: UserPoolClient;
  readonly authorizer: HttpJwtAuthorizer;
  /** The `iss` of the pool's tokens, `https://cognito-idp.<region>.amazonaws.com/<pool id>`. */
  readonly issuer: string;

  constructor(scope: Construct, id: string, props: SignInProps) {
    super(scope, id);
    const retain = props.removalPolicy === 'retain';
    this.userPool = new UserPool(this, 'Users', {
      selfSignUpEnabled: props.selfSignUp ?? false,
      signInAliases: { username: true, email: true },
      // Alice and alice are one person, as the local provider treats them.
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: props.requireMfa ? Mfa.REQUIRED : Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.ESSENTIALS,
      deletionProtection: retain,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    if (!props.requireMfa) {
      acknowledge(
        this.userPool,
        'COG2',
        'MFA is optional so that people can sign in to a development deployment without an authenticator app; set requireMfa to require it',
      );
    }
    acknowledge(
      this.userPool,
      'COG8',
      'The Essentials plan includes managed login; the Plus plan (threat protection) is a per-user cost a deployment can opt into',
    );

    this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: props.domainPrefix },
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });

    const scopes = [
      new ResourceServerScope({ scopeName: 'read', scopeDescription: 'Read own tasks' }),
      new ResourceServerScope({
        scopeName: 'write',
        scopeDescription: 'Create, cancel and delete own tasks',
      }),
      new ResourceServerScope({
        scopeName: 'admin',
        scopeDescription: "Read and act on every owner's tasks",
      }),
    ];
    const [read, write, admin] = scopes as [
      ResourceServerScope,
      ResourceServerScope,
      ResourceServerScope,
    ];
    this.resourceServer = this.userPool.addResourceServer('Tasks', {
      identifier: RESOURCE_SERVER,
      userPoolResourceServerName: 'Tasks API',
      scopes,
    });
    const taskScopes = [
      OAuthScope.resourceServer(this.resourceServer, read),
      OAuthScope.resourceServer(this.resourceServer, write),
    ];

    this.dashboardClient = this.userPool.addClient('Dashboard', {
      userPoolClientName: 'dashboard',
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.PROFILE, ...taskScopes],
        callbackUrls: props.callbackUrls,
        logoutUrls: props.logoutUrls,
      },
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });
    /** A client that signs in with its id and secret (client credentials), for scripts. */
    const addSecretClient = (id: string, name: string, oAuthScopes: OAuthScope[]) =>
      this.userPool.addClient(id, {
        userPoolClientName: name,
        generateSecret: true,
        authFlows: {},
        oAuth: { flows: { clientCredentials: true }, scopes: oAuthScopes },
        enableTokenRevocation: true,
        accessTokenValidity: Duration.hours(1),
      });
    this.machineClient = addSecretClient('Machines', 'machines', taskScopes);
    // Operators' scripts: the only client that may ask for tasks/admin. No user can get that
    // scope from the dashboard's client, so signing in never makes anyone an operator.
    this.operatorClient = addSecretClient('Operators', 'operators', [
      ...taskScopes,
      OAuthScope.resourceServer(this.resourceServer, admin),
    ]);
    // Managed login pages show nothing for a client without a style; Cognito's defaults do.
    new CfnManagedLoginBranding(this, 'DashboardLoginStyle', {
      userPoolId: this.userPool.userPoolId,
      clientId: this.dashboardClient.userPoolClientId,
      useCognitoProvidedValues: true,
    });

    this.issuer = this.userPool.userPoolProviderUrl;
    this.authorizer = new HttpJwtAuthorizer('Authorizer', this.issuer, {
      authorizerName: 'cognito',
      identitySource: ['$request.header.Authorization'],
      jwtAudience: [
        this.dashboardClient.userPoolClientId,
        this.machineClient.userPoolClientId,
        this.operatorClient.userPoolClientId,
      ],
    });
  }

  /** What the dashboard's `config.json` needs to sign in; none of it is secret. */
  dashboardSettings(): { issuer: string; signInUrl: string; clientId: string; scopes: string[] } {
    return {
      issuer: this.issuer,
      signInUrl: this.domain.baseUrl(),
      clientId: this.dashboardClient.userPoolClientId,
      scopes: ['openid', 'profile', TASK_SCOPES.read, TASK_SCOPES.write],
    };
  }
}
