import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { ANONYMOUS_CLAIMS } from '../../functions/http/caller.ts';
import { lambdaContext } from '../../infra/local/lambda-context.ts';

/** An API Gateway v2 event as the HTTP API sends it. */
export function httpEvent(fields: {
  method?: string;
  path?: string;
  id?: string;
  body?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** The JWT authorizer's claims (the anonymous owner by default); null for a route without it. */
  claims?: Record<string, string> | null;
}): APIGatewayProxyEventV2 {
  const claims = fields.claims === undefined ? ANONYMOUS_CLAIMS : fields.claims;
  const method = fields.method ?? 'GET';
  const path = fields.path ?? '/tasks';
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(fields.query).toString(),
    headers: fields.headers ?? {},
    ...(fields.query && { queryStringParameters: fields.query }),
    ...(fields.id !== undefined && { pathParameters: { id: fields.id } }),
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'request-1',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: new Date(0).toISOString(),
      timeEpoch: 0,
      ...(claims && {
        authorizer: { jwt: { claims: { ...claims }, scopes: claims.scope?.split(' ') ?? null } },
      }),
    },
    ...(fields.body !== undefined && { body: fields.body }),
    isBase64Encoded: false,
  };
}

export const context: Context = lambdaContext('test', 30_000);
