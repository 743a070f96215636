/**
 * What the local OpenID provider keeps in DATA_DIR so that tokens, client secrets and
 * refresh tokens survive a restart, and so that `npm run token` can sign tokens while
 * local mode is not running.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

export const DASHBOARD_CLIENT_ID = 'tasks-dashboard';
export const MACHINE_CLIENT_ID = 'tasks-machine';

export interface IdentityState {
  /** The RSA signing key, private part included. */
  signingKey: JWK & { kid: string };
  /** The secret of the confidential machine client. */
  machineClientSecret: string;
  /** Signs refresh tokens, which only this provider reads. */
  refreshTokenSecret: string;
}

export function identityStatePath(dataDir: string): string {
  return join(dataDir, 'identity', 'state.json');
}

/** Reads the persisted state, creating it on first use; a concurrent creator's state wins. */
export async function loadIdentityState(dataDir: string): Promise<IdentityState> {
  const path = identityStatePath(dataDir);
  const existing = readState(path);
  if (existing) return existing;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const state: IdentityState = {
    signingKey: { ...(await exportJWK(privateKey)), kid: randomId(), alg: 'RS256', use: 'sig' },
    machineClientSecret: randomId(32),
    refreshTokenSecret: randomId(32),
  };
  mkdirSync(join(dataDir, 'identity'), { recursive: true });
  try {
    writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readState(path) ?? state;
  }
  return state;
}

function readState(path: string): IdentityState | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as IdentityState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export function publicJwk(state: IdentityState): JWK {
  const { kid, kty, n, e, alg, use } = state.signingKey;
  return { kid, kty, n, e, alg, use };
}

export async function signingKeyOf(state: IdentityState): Promise<CryptoKey> {
  return (await importJWK(state.signingKey, 'RS256')) as CryptoKey;
}

export function randomId(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}
