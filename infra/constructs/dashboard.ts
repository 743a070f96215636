import type { RemovalPolicy } from 'aws-cdk-lib';
import {
  AllowedMethods,
  type BehaviorOptions,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginSslPolicy,
  PriceClass,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AccessLogsBucket } from './access-logs-bucket.ts';
import { acknowledge } from './acknowledge.ts';
import { apiCachePolicy, apiOriginRequestPolicy, UNCACHED_ERRORS } from './api-behavior.ts';
import { DashboardDeployment } from './dashboard-deployment.ts';
import { securityHeadersPolicy } from './security-headers.ts';

export interface DashboardProps {
  /** The HTTP API's host name; CloudFront forwards the API's paths there. */
  apiDomainName: string;
  /** Paths CloudFront sends to the API instead of the bucket. */
  apiPaths: readonly string[];
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  /** The dashboard's `config.json`: how it signs in, or `{auth: "none"}`; written at deploy time. */
  config: Record<string, unknown>;
  /** The Cognito domain's origin, which the page's CSP lets it fetch tokens from. */
  signInOrigin?: string;
}

/**
 * The dashboard: `web/` in a private bucket that only CloudFront can read, served over HTTPS
 * with strict security headers, with the API on the same origin so the page needs no CORS.
 */
export class Dashboard extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const logs = new AccessLogsBucket(this, 'AccessLogs', {
      retentionDays: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      serverAccessLogsBucket: logs.bucket,
      serverAccessLogsPrefix: 's3/',
      // Under "destroy" the deployment empties it when deleted, so it needs no auto-delete helper.
      removalPolicy: props.removalPolicy,
    });
    this.distribution = this.distributionOf(props, logs);
    new DashboardDeployment(this, 'Deployment', {
      bucket: this.bucket,
      distribution: this.distribution,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      config: props.config,
    });
  }

  /** The bucket at `/`, the API at its paths, one set of security headers on both. */
  private distributionOf(props: DashboardProps, logs: AccessLogsBucket): Distribution {
    const responseHeadersPolicy = securityHeadersPolicy(
      this,
      'SecurityHeaders',
      props.signInOrigin,
    );
    const api: BehaviorOptions = {
      origin: new HttpOrigin(props.apiDomainName, {
        protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
        originSslProtocols: [OriginSslPolicy.TLS_V1_2],
      }),
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: apiCachePolicy(this, 'ApiCache'),
      originRequestPolicy: apiOriginRequestPolicy(this, 'ApiRequests'),
      responseHeadersPolicy,
    };
    const distribution = new Distribution(this, 'Distribution', {
      comment: 'Tasks dashboard and API',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy,
      },
      additionalBehaviors: Object.fromEntries(props.apiPaths.map((path) => [path, api])),
      errorResponses: UNCACHED_ERRORS,
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logs.bucket,
      logFilePrefix: 'cloudfront/',
    });
    acknowledge(
      distribution,
      'CFR4',
      'No custom domain yet, so the distribution uses the default *.cloudfront.net certificate, ' +
        'for which CloudFront fixes the minimum TLS version; a custom domain with an ACM ' +
        'certificate (TLSv1.2_2021) is future work.',
    );
    acknowledge(distribution, 'CFR1', 'The service has no geographic restriction requirement.');
    acknowledge(
      distribution,
      'CFR2',
      'A WAF web ACL for CloudFront must live in us-east-1 and costs a monthly fee per ACL and ' +
        'rule; this region-agnostic stack relies on API stage throttling instead. Tracked as ' +
        'future work.',
    );
    return distribution;
  }
}
