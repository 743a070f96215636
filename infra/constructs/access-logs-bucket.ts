import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledge.ts';

export interface AccessLogsBucketProps {
  retentionDays: number;
  removalPolicy: RemovalPolicy;
}

/** Where S3 server access logs and CloudFront standard logs go, kept as long as the other logs. */
export class AccessLogsBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: AccessLogsBucketProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // Server access logs can only be delivered to a bucket encrypted with S3-managed keys.
      encryption: BucketEncryption.S3_MANAGED,
      // CloudFront delivers standard logs with ACLs, so the bucket must accept them.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(props.retentionDays) }],
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: props.removalPolicy === RemovalPolicy.DESTROY,
    });
    acknowledge(
      this.bucket,
      'S1',
      'This is the access-log bucket itself; logging its own access into itself would loop.',
    );
  }
}
