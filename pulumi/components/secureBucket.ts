import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { tlsOnlyBucketPolicy } from '../policies';
import { componentType } from './common';

export interface ExpiryRule {
  /** Lifecycle rule id. */
  id: string;
  /** Key prefix the rule applies to; '' for the whole bucket. */
  prefix: string;
  days: number;
}

export interface SecureBucketArgs {
  forceDestroy: boolean;
  /** Keep old versions of overwritten/deleted objects (for noncurrentVersionExpiryDays). */
  versioned: boolean;
  noncurrentVersionExpiryDays: number;
  abortIncompleteUploadDays: number;
  expiry: ExpiryRule[];
}

/**
 * One S3 bucket with the security baseline: all public access blocked, ACLs disabled (bucket owner
 * enforced), default encryption SSE-S3 (AES256), a policy denying non-TLS and pre-TLS-1.2 requests,
 * lifecycle rules (abort incomplete multipart uploads, expiries per prefix, noncurrent versions), and
 * versioning when asked for. The physical name is auto-generated from the logical name (globally unique).
 */
export class SecureBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly name: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;
  readonly policy: aws.s3.BucketPolicy;

  constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType('storage', 'SecureBucket'), name, {}, opts);
    const parent = { parent: this };

    this.bucket = new aws.s3.Bucket(name, { forceDestroy: args.forceDestroy }, parent);
    const bucketId = this.bucket.id;

    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      { bucket: bucketId, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      parent,
    );

    new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucketId, rule: { objectOwnership: 'BucketOwnerEnforced' } }, parent);

    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      { bucket: bucketId, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] },
      parent,
    );

    this.policy = new aws.s3.BucketPolicy(
      `${name}-tls-only`,
      { bucket: bucketId, policy: this.bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))) },
      { parent: this, dependsOn: [publicAccess] },
    );

    let versioning: aws.s3.BucketVersioning | undefined;
    if (args.versioned) {
      versioning = new aws.s3.BucketVersioning(
        `${name}-versioning`,
        { bucket: bucketId, versioningConfiguration: { status: 'Enabled' } },
        parent,
      );
    }

    const rules: aws.types.input.s3.BucketLifecycleConfigurationRule[] = [
      {
        id: 'abort-incomplete-multipart-uploads',
        status: 'Enabled',
        filter: { prefix: '' },
        abortIncompleteMultipartUpload: { daysAfterInitiation: args.abortIncompleteUploadDays },
      },
      ...args.expiry.map((rule) => ({
        id: rule.id,
        status: 'Enabled',
        filter: { prefix: rule.prefix },
        expiration: { days: rule.days },
      })),
    ];
    if (args.versioned) {
      rules.push({
        id: 'expire-noncurrent-versions',
        status: 'Enabled',
        filter: { prefix: '' },
        noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionExpiryDays },
        expiration: { expiredObjectDeleteMarker: true },
      });
    }
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      { bucket: bucketId, rules },
      { parent: this, dependsOn: versioning ? [versioning] : [] },
    );

    this.name = this.bucket.bucket;
    this.arn = this.bucket.arn;
    this.registerOutputs({ name: this.name, arn: this.arn });
  }
}
