/**
 * Sign-in for local mode, wired for the gateway in one call: the local OpenID provider
 * under `/auth`, API Gateway's JWT authorizer on every task route (scopes from the route's
 * method), and the dashboard's `/config.json`. With AUTH=none every request passes as the
 * one anonymous owner and the dashboard shows no sign-in.
 */
import { routeScopes } from '../../functions/http/caller.ts';
import type { GatewaySignIn } from './gateway.ts';
import { createLocalIdentity, type LocalIdentity } from './identity/provider.ts';
import { identitySettingsFromEnvironment } from './identity/settings.ts';
import { anonymousAuthorizer, createJwtAuthorizer, type JwtAuthorizer } from './jwt-authorizer.ts';

export type AuthMode = 'none' | 'local';

export interface LocalSignInOptions {
  mode: AuthMode;
  dataDir: string;
  /** The port asked for; with 0 the issuer takes the port the server is given. */
  port: number;
  /** LOCAL_ISSUER: the issuer as people and scripts reach it; `http://localhost:<port>/auth` by default. */
  issuer?: string;
  /** LOCAL_ADMINS: user names whose tokens also carry `tasks/admin`. */
  admins?: readonly string[];
}

export interface LocalSignIn {
  gatewayOptions: { signIn: GatewaySignIn };
  /** A line or two for the start-up log: the mode, and the machine client's credentials. */
  describe(): string;
}

/** The dashboard's settings when the API takes no sign-in. */
export const OPEN_DASHBOARD_CONFIG = { auth: 'none' } as const;

/** AUTH, checked: `none`, or `local` (the default) for the local provider. */
export function authModeFromEnvironment(env: NodeJS.ProcessEnv): AuthMode {
  const mode = env.AUTH ?? 'local';
  if (mode === 'none' || mode === 'local') return mode;
  throw new Error(`AUTH must be "local" or "none", got "${mode}"`);
}

/** The options from the environment `npm start` reads (AUTH, DATA_DIR, PORT, LOCAL_ISSUER, LOCAL_ADMINS). */
export function signInOptionsFromEnvironment(env: NodeJS.ProcessEnv): LocalSignInOptions {
  const settings = identitySettingsFromEnvironment(env);
  return {
    mode: authModeFromEnvironment(env),
    dataDir: settings.dataDir,
    port: Number(env.PORT ?? 3000),
    issuer: env.LOCAL_ISSUER,
    admins: settings.admins,
  };
}

export function setUpLocalSignIn(options: LocalSignInOptions): LocalSignIn {
  if (options.mode === 'none') {
    const authorize = anonymousAuthorizer();
    return {
      gatewayOptions: {
        signIn: {
          handle: async () => false,
          authorize,
          routeScopes,
          dashboardConfig: () => OPEN_DASHBOARD_CONFIG,
        },
      },
      describe: () => 'Sign-in is off (AUTH=none): every caller is the one anonymous owner',
    };
  }

  let identity: LocalIdentity | undefined;
  let authorize: JwtAuthorizer | undefined;
  const started = () => {
    if (!identity || !authorize) throw new Error('Sign-in is used before the gateway listens');
    return { identity, authorize };
  };
  const signIn: GatewaySignIn = {
    async listening(port) {
      identity = await createLocalIdentity({
        issuer: options.issuer ?? `http://localhost:${port}/auth`,
        dataDir: options.dataDir,
        admins: options.admins,
      });
      authorize = createJwtAuthorizer({
        issuer: identity.issuer,
        audience: identity.audience,
        keys: identity.keys,
      });
    },
    handle: (req, res) => started().identity.handle(req, res),
    authorize: (authorization, scopes) => started().authorize(authorization, scopes),
    routeScopes,
    dashboardConfig(origin) {
      const settings = started().identity.dashboardSettings();
      // The page reaches the provider on its own origin (localhost, 127.0.0.1 or a Docker
      // host name alike), so sign-in needs no CORS; tokens still carry the issuer's `iss`.
      const path = new URL(settings.signInUrl).pathname.replace(/\/$/, '');
      return { auth: 'oidc', ...settings, signInUrl: `${origin}${path}` };
    },
  };
  return {
    gatewayOptions: { signIn },
    describe() {
      const { identity: ready } = started();
      const admins = options.admins?.length ? ` (operators: ${options.admins.join(', ')})` : '';
      return (
        `Sign-in by the local provider at ${ready.issuer}${admins}\n` +
        `Machine client: id ${ready.machineClient.id}, secret ${ready.machineClient.secret}` +
        ` (client credentials at ${ready.issuer}/oauth2/token); a user's token: npm run --silent token -- <user>`
      );
    },
  };
}
