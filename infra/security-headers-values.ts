/**
 * The security headers' values, free of the CDK: CloudFront's response headers policy
 * sends them in AWS, and the local gateway sends the same on every local response.
 */

/**
 * The dashboard loads only its own scripts, styles and API: nothing inline, nothing
 * third-party. Signed in through Cognito, it also calls the sign-in domain's token and
 * revocation endpoints (`signInOrigin`, connect-src only: it reaches the sign-in pages by
 * navigating there, which no directive governs, and posts no form to them).
 */
export function contentSecurityPolicy(signInOrigin?: string): string {
  return [
    "default-src 'self'",
    signInOrigin ? `connect-src 'self' ${signInOrigin}` : "connect-src 'self'",
    "img-src 'self' data:",
    "style-src 'self'",
    "script-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** The policy local mode sends: its provider answers on the page's own origin. */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

/**
 * CloudFront's headers as HTTP headers, all but Strict-Transport-Security: that one only
 * means something on an https:// answer (browsers ignore it over plain HTTP), and local
 * mode serves http://localhost, where a browser that did honour it would then refuse
 * every other plain-HTTP service on localhost.
 */
export const BROWSER_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};
