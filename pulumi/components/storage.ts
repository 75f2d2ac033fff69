import * as pulumi from '@pulumi/pulumi';
import type { BucketRole } from '../../contracts/resourceNames';
import type { StackConfig } from '../../contracts/stackConfig';
import { MANIFESTS_PREFIX } from '../policies';
import { componentType } from './common';
import { SecureBucket } from './secureBucket';

/** Days the Glue job's scratch space (stagingPrefix of the output bucket) is kept. */
export const STAGING_EXPIRY_DAYS = 7;
/** Where the Glue script stages a run's files before committing them (glue/ndjson_parquet/layout.py). */
export function jobStagingPrefix(outputPrefix: string): string {
  return `${outputPrefix}_staging/`;
}

/** Run reports of the Lambdas (logs/lambda/) and the Glue job (logs/glue/). */
export const REPORTS_PREFIX = 'logs/';

export interface StorageArgs {
  config: StackConfig;
  /** Logical names of the five buckets (contracts/resourceNames). */
  bucketNames: Record<BucketRole, string>;
}

/**
 * The five buckets:
 * - input: producers' NDJSON under inputPrefix. Versioned: it holds the only copy of the raw data, so an
 *   overwrite or a mistaken delete stays recoverable for noncurrentVersionExpiryDays. No expiry.
 * - quarantine: invalid files with their reason; expire after quarantineExpiryDays.
 * - manifest: manifests/ (expire after manifestsExpiryDays) and run reports under logs/ (logs/lambda/,
 *   logs/glue/; expire after logsExpiryDays).
 * - output: Parquet under outputPrefix, rejects under rejectsPrefix, Glue scratch under stagingPrefix
 *   (--TempDir) and the script's run staging under `<outputPrefix>_staging/` (both expire). Versioned, so a bad re-run cannot destroy the previous Parquet for noncurrentVersionExpiryDays.
 * - scripts: the Glue job's script (and packages), uploaded by the stack; reproducible, so not versioned.
 * In prod (forceDestroy false) the data buckets are also `protect`ed: `pulumi destroy` stops before
 * deleting anything instead of failing half-way on a non-empty bucket.
 */
export class Storage extends pulumi.ComponentResource {
  readonly input: SecureBucket;
  readonly quarantine: SecureBucket;
  readonly manifest: SecureBucket;
  readonly output: SecureBucket;
  readonly scripts: SecureBucket;

  constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType('storage', 'Storage'), name, {}, opts);
    const { storage } = args.config;
    const common = {
      forceDestroy: storage.forceDestroy,
      abortIncompleteUploadDays: storage.abortIncompleteUploadDays,
      noncurrentVersionExpiryDays: storage.noncurrentVersionExpiryDays,
    };
    const dataOpts = { parent: this, protect: !storage.forceDestroy };

    this.input = new SecureBucket(args.bucketNames.input, { ...common, versioned: true, expiry: [] }, dataOpts);
    this.quarantine = new SecureBucket(
      args.bucketNames.quarantine,
      { ...common, versioned: false, expiry: [{ id: 'expire-quarantine', prefix: '', days: storage.quarantineExpiryDays }] },
      dataOpts,
    );
    this.manifest = new SecureBucket(
      args.bucketNames.manifest,
      {
        ...common,
        versioned: false,
        expiry: [
          { id: 'expire-manifests', prefix: MANIFESTS_PREFIX, days: storage.manifestsExpiryDays },
          { id: 'expire-reports', prefix: REPORTS_PREFIX, days: storage.logsExpiryDays },
        ],
      },
      dataOpts,
    );
    this.output = new SecureBucket(
      args.bucketNames.output,
      {
        ...common,
        versioned: true,
        expiry: [
          { id: 'expire-staging', prefix: args.config.stagingPrefix, days: STAGING_EXPIRY_DAYS },
          { id: 'expire-job-staging', prefix: jobStagingPrefix(args.config.outputPrefix), days: STAGING_EXPIRY_DAYS },
        ],
      },
      dataOpts,
    );
    this.scripts = new SecureBucket(
      args.bucketNames.scripts,
      { ...common, forceDestroy: true, versioned: false, expiry: [] },
      { parent: this },
    );

    this.registerOutputs({
      input: this.input.name,
      quarantine: this.quarantine.name,
      manifest: this.manifest.name,
      output: this.output.name,
      scripts: this.scripts.name,
    });
  }
}
