import { resolve } from 'node:path';

export interface LocalIdentitySettings {
  issuer: string;
  dataDir: string;
  admins: string[];
}

/**
 * The local provider's settings from the environment local mode reads: the issuer is the
 * address people and scripts use (`http://localhost:PORT/auth`, or LOCAL_ISSUER), so
 * `npm run token` signs the same `iss` as the running service; LOCAL_ADMINS lists the
 * user names, comma-separated, that are operators.
 */
export function identitySettingsFromEnvironment(env: NodeJS.ProcessEnv): LocalIdentitySettings {
  const port = env.PORT ?? '3000';
  return {
    issuer: env.LOCAL_ISSUER ?? `http://localhost:${port}/auth`,
    dataDir: resolve(env.DATA_DIR ?? '.data'),
    admins: (env.LOCAL_ADMINS ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  };
}
