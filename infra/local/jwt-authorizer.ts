/**
 * API Gateway's JWT authorizer for HTTP APIs, as a pure function the local gateway runs
 * before any handler. The rules follow "Control access to HTTP APIs with JWT authorizers"
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
 * and the refusals follow "Troubleshooting issues with HTTP API JWT authorizers"
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-jwt.html
 */
import {
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { ANONYMOUS_CLAIMS } from '../../functions/http/caller.ts';

export interface JwtAuthorizerSettings {
  /** Must equal the token's `iss` exactly. */
  issuer: string;
  /** Matched against `aud` when the token has one, else against `client_id`. */
  audience: readonly string[];
  /** The issuer's signing keys, e.g. jose's `createLocalJWKSet` or `createRemoteJWKSet`. */
  keys: JWTVerifyGetKey;
  /**
   * Leeway for `exp`, `nbf` and `iat`. API Gateway documents none (`exp` "must be after
   * the current time"), so the default is 0.
   */
  clockToleranceSeconds?: number;
  now?: () => Date;
}

/** What API Gateway hands the integration in `requestContext.authorizer.jwt`. */
export interface JwtAuthorizerContext {
  claims: Record<string, string>;
  scopes: string[] | null;
}

export type AuthorizerRefusal = {
  statusCode: 401 | 403;
  headers: Record<string, string>;
  body: string;
};

export type AuthorizerOutcome =
  | { authorized: true; jwt: JwtAuthorizerContext }
  | ({ authorized: false } & AuthorizerRefusal);

/** API Gateway's HTTP APIs accept only RSA-signed tokens ("Currently, only RSA-based algorithms are supported"). */
const RSA_ALGORITHMS = ['RS256', 'RS384', 'RS512'];

export type JwtAuthorizer = (
  authorization: string | undefined,
  routeScopes: readonly string[],
) => Promise<AuthorizerOutcome>;

export function createJwtAuthorizer(settings: JwtAuthorizerSettings): JwtAuthorizer {
  const tolerance = settings.clockToleranceSeconds ?? 0;
  const now = settings.now ?? (() => new Date());
  return async (authorization, routeScopes) => {
    const token = tokenFrom(authorization);
    if (!token) return unauthorized('the token is missing');
    let payload: JWTPayload;
    try {
      if (!decodeProtectedHeader(token).kid) return unauthorized('the token has no key id');
      ({ payload } = await jwtVerify(token, settings.keys, {
        algorithms: RSA_ALGORITHMS,
        currentDate: now(),
        clockTolerance: tolerance,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      return unauthorized(describe(error));
    }
    if (payload.iss !== settings.issuer)
      return unauthorized('the token does not have a valid issuer');
    if (!hasValidAudience(payload, settings.audience))
      return unauthorized('the token does not have a valid audience');
    if (typeof payload.iat === 'number' && payload.iat > now().getTime() / 1000 + tolerance)
      return unauthorized('the token was issued in the future');
    const scopes = scopesOf(payload);
    if (routeScopes.length > 0 && !routeScopes.some((scope) => scopes.includes(scope)))
      return forbidden(routeScopes);
    return {
      authorized: true,
      jwt: { claims: apiGatewayClaims(payload), scopes: scopes.length > 0 ? scopes : null },
    };
  };
}

/**
 * Local mode without sign-in (AUTH=none): every request is let through as the one
 * anonymous owner, in the same shape, so handlers run unchanged.
 */
export function anonymousAuthorizer(): JwtAuthorizer {
  return async () => ({
    authorized: true,
    jwt: { claims: { ...ANONYMOUS_CLAIMS }, scopes: scopesOf(ANONYMOUS_CLAIMS) },
  });
}

/** The identity source may hold the token alone or the token prefixed with `Bearer`. */
function tokenFrom(authorization: string | undefined): string | undefined {
  const value = authorization?.trim();
  if (!value) return undefined;
  const bearer = /^bearer\s+(.+)$/i.exec(value);
  return bearer?.[1]?.trim() ?? value;
}

/** API Gateway evaluates `aud` when present and `client_id` only when `aud` is absent. */
function hasValidAudience(payload: JWTPayload, audience: readonly string[]): boolean {
  if (payload.aud !== undefined) {
    const values = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    return values.some((value) => audience.includes(value));
  }
  const clientId = payload.client_id;
  return typeof clientId === 'string' && audience.includes(clientId);
}

/** The authorizer reads `scope` or `scp`, space-separated or as a list. */
function scopesOf(payload: JWTPayload): string[] {
  const raw = payload.scope ?? payload.scp;
  if (typeof raw === 'string') return raw.split(' ').filter(Boolean);
  if (Array.isArray(raw)) return raw.filter((scope): scope is string => typeof scope === 'string');
  return [];
}

/**
 * Every claim reaches the integration as a string: numbers in decimal, booleans as
 * `true`/`false`, lists as `[a b]` (as `cognito:groups` is seen in payload 2.0 events).
 */
export function apiGatewayClaims(payload: JWTPayload): Record<string, string> {
  return Object.fromEntries(
    Object.entries(payload).map(([name, value]) => [name, claimText(value)]),
  );
}

function claimText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(claimText).join(' ')}]`;
  if (value === null || value === undefined) return '';
  return JSON.stringify(value);
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf')
    return 'the token is not valid yet';
  if (error instanceof errors.JWTClaimValidationFailed)
    return `the token has an invalid ${error.claim} claim`;
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return 'the token signature is invalid';
  if (error instanceof errors.JWKSNoMatchingKey) return 'the token was not signed by a known key';
  if (error instanceof errors.JOSEAlgNotAllowed)
    return 'the token signing algorithm is not supported';
  return 'the token is malformed';
}

/** The header's form is the one AWS shows: `Bearer scope="" error="invalid_token" error_description="…"`. */
function unauthorized(description: string): { authorized: false } & AuthorizerRefusal {
  return refusal(
    401,
    'Unauthorized',
    `Bearer scope="" error="invalid_token" error_description="${description}"`,
  );
}

function forbidden(routeScopes: readonly string[]): { authorized: false } & AuthorizerRefusal {
  return refusal(
    403,
    'Forbidden',
    `Bearer scope="${routeScopes.join(' ')}" error="insufficient_scope" error_description="the token does not have the required scope"`,
  );
}

function refusal(
  statusCode: 401 | 403,
  message: string,
  challenge: string,
): { authorized: false } & AuthorizerRefusal {
  return {
    authorized: false,
    statusCode,
    headers: { 'content-type': 'application/json', 'www-authenticate': challenge },
    body: JSON.stringify({ message }),
  };
}
