import { Duration } from 'aws-cdk-lib';
import {
  HeadersFrameOption,
  HeadersReferrerPolicy,
  ResponseHeadersPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import type { Construct } from 'constructs';
import { CONTENT_SECURITY_POLICY, contentSecurityPolicy } from '../security-headers-values.ts';

export { CONTENT_SECURITY_POLICY, contentSecurityPolicy };

/**
 * Security headers on every response CloudFront serves, the dashboard's and the API's;
 * `signInOrigin` is the Cognito domain the dashboard fetches tokens from.
 */
export function securityHeadersPolicy(
  scope: Construct,
  id: string,
  signInOrigin?: string,
): ResponseHeadersPolicy {
  return new ResponseHeadersPolicy(scope, id, {
    comment: 'Strict CSP, HSTS, nosniff, no framing, no referrer',
    securityHeadersBehavior: {
      contentSecurityPolicy: {
        contentSecurityPolicy: contentSecurityPolicy(signInOrigin),
        override: true,
      },
      strictTransportSecurity: {
        accessControlMaxAge: Duration.days(365),
        includeSubdomains: true,
        override: true,
      },
      contentTypeOptions: { override: true },
      frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
      referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
    },
  });
}
