import type { APIGatewayProxyEventV2 } from 'aws-lambda';

type EventWithClaims = APIGatewayProxyEventV2 & {
  requestContext: { authorizer?: { jwt?: { claims?: Record<string, unknown> } } };
};

/** Who sent the request: the `sub` of the JWT API Gateway checked, or `anonymous` when sign-in is off. */
export function callerOf(event: APIGatewayProxyEventV2): string {
  const sub = (event as EventWithClaims).requestContext.authorizer?.jwt?.claims?.sub;
  return typeof sub === 'string' && sub !== '' ? sub : 'anonymous';
}
