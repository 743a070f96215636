import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { Distribution } from 'aws-cdk-lib/aws-cloudfront';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Bucket, IBucket } from 'aws-cdk-lib/aws-s3';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { fromRoot } from '../repository.ts';
import { acknowledge, acknowledgeWildcardResource } from './acknowledge.ts';

export interface DashboardDeploymentProps {
  bucket: Bucket;
  distribution: Distribution;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  /** Written as `config.json` beside the files, its deploy-time values resolved. */
  config: Record<string, unknown>;
}

/** Uploads `web/` and its `config.json` on every deploy and invalidates CloudFront's copies. */
export class DashboardDeployment extends Construct {
  constructor(scope: Construct, id: string, props: DashboardDeploymentProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    // A role of our own, so the upload function gets no AWS managed policy.
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Uploads the dashboard files and invalidates the CloudFront cache',
    });
    logGroup.grantWrite(role);
    // The same upload as Source.asset(), which would hide the asset's bucket; acknowledging the
    // upload role's read of that bucket needs it.
    const files = new Asset(this, 'Files', { path: fromRoot('web') });
    const upload = new BucketDeployment(this, 'Upload', {
      // config.json holds the user pool's ids and domain, known only once they exist: jsonData
      // writes them in when the deployment runs, so the page needs no build step.
      sources: [
        Source.bucket(files.bucket, files.s3ObjectKey),
        Source.jsonData('config.json', props.config),
      ],
      destinationBucket: props.bucket,
      distribution: props.distribution,
      distributionPaths: ['/*'],
      // The page's ES modules keep fixed names, so a browser holding an old module beside a new
      // index.html would run a mix of releases. Every file is revalidated on each load instead:
      // a 304 against its ETag costs a round trip, not a download
      // (https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_s3_deployment-readme.html).
      cacheControl: [CacheControl.noCache()],
      // With "destroy", deleting the deployment empties the bucket so the bucket can go too.
      retainOnDelete: props.removalPolicy !== RemovalPolicy.DESTROY,
      memoryLimit: 256,
      logGroup,
      role,
    });
    this.acknowledgeUploadPermissions(upload, [files.bucket, props.bucket]);
  }

  /** The upload function's role gets these statements from BucketDeployment itself. */
  private acknowledgeUploadPermissions(upload: BucketDeployment, buckets: IBucket[]): void {
    const role = upload.handlerRole;
    const sync =
      'BucketDeployment grants these to read its source asset and to sync the files into the ' +
      'dashboard bucket (upload, overwrite, prune); they are limited to those two buckets.';
    for (const action of [
      's3:GetBucket*',
      's3:GetObject*',
      's3:List*',
      's3:Abort*',
      's3:DeleteObject*',
    ])
      acknowledge(role, `IAM5[Action::${action}]`, sync);
    for (const bucket of buckets)
      acknowledgeWildcardResource(role, bucket.arnForObjects('*'), sync);
    acknowledgeWildcardResource(
      role,
      '*',
      'BucketDeployment grants cloudfront:CreateInvalidation and GetInvalidation on "*" and ' +
        'offers no way to narrow them to the one distribution; nothing else is granted on "*".',
    );
    const handler = Stack.of(this).node.children.find((child) =>
      child.node.id.startsWith('Custom::CDKBucketDeployment'),
    );
    if (handler)
      acknowledge(
        handler,
        'L1',
        "BucketDeployment's upload function runs on the runtime CDK chooses for it, and only " +
          'during deployments.',
      );
  }
}
