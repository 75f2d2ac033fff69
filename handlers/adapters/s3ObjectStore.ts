import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { ContextError } from '../../contracts/contextError';
import type { ObjectStore } from '../services/ports';

export class ObjectStoreError extends ContextError {
  override readonly name = 'ObjectStoreError';
}

const isMissing = (error: unknown) =>
  error instanceof NoSuchKey ||
  error instanceof NotFound ||
  (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404);

const isPreconditionFailed = (error: unknown) =>
  error instanceof S3ServiceException && (error.name === 'PreconditionFailed' || error.$metadata.httpStatusCode === 412);

const GiB = 1024 ** 3;

export interface S3ObjectStoreOptions {
  /** CopyObject takes sources up to 5 GiB; larger ones are copied in parts. Tests lower it to exercise that. */
  singleCopyMaxBytes?: number;
}

/** Parts of a multipart copy: at most 5 GiB each and at most 10,000, so 1 GiB parts cover S3's 5 TB objects. */
const COPY_PART_BYTES = GiB;

export class S3ObjectStore implements ObjectStore {
  private readonly singleCopyMaxBytes: number;

  constructor(
    private readonly s3: S3Client,
    options: S3ObjectStoreOptions = {},
  ) {
    this.singleCopyMaxBytes = options.singleCopyMaxBytes ?? 5 * GiB;
  }

  async putJsonIfAbsent(bucket: string, key: string, body: unknown): Promise<'created' | 'exists'> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: JSON.stringify(body, null, 2),
          ContentType: 'application/json',
          // Conditional write: a manifest object is written once and never replaced behind a record.
          IfNoneMatch: '*',
        }),
      );
      return 'created';
    } catch (error) {
      if (isPreconditionFailed(error)) return 'exists';
      throw error;
    }
  }

  async putJson(bucket: string, key: string, body: unknown): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(body, null, 2), ContentType: 'application/json' }),
    );
  }

  async getJson(bucket: string, key: string): Promise<unknown> {
    const result = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = (await result.Body?.transformToString('utf-8')) ?? '';
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new ObjectStoreError(`s3://${bucket}/${key} is not valid JSON`, { bucket, key }, { cause: error });
    }
  }

  async moveObject(
    from: { bucket: string; key: string; sizeBytes: number },
    to: { bucket: string; key: string },
    metadata: Record<string, string>,
  ): Promise<'moved' | 'source-missing'> {
    const source = `${from.bucket}/${encodeURIComponent(from.key).replace(/%2F/g, '/')}`;
    try {
      if (from.sizeBytes > this.singleCopyMaxBytes) await this.copyInParts(source, from.sizeBytes, to, metadata);
      else {
        await this.s3.send(
          new CopyObjectCommand({ Bucket: to.bucket, Key: to.key, CopySource: source, MetadataDirective: 'REPLACE', Metadata: metadata }),
        );
      }
    } catch (error) {
      if (isMissing(error)) return 'source-missing';
      throw error;
    }
    await this.s3.send(new DeleteObjectCommand({ Bucket: from.bucket, Key: from.key }));
    return 'moved';
  }

  /**
   * CreateMultipartUpload + UploadPartCopy per range + Complete: S3's way to copy an object over 5 GiB. A
   * failed copy is aborted, so no parts are left to bill (the bucket's lifecycle rule is the backstop).
   */
  private async copyInParts(
    source: string,
    sizeBytes: number,
    to: { bucket: string; key: string },
    metadata: Record<string, string>,
  ): Promise<void> {
    const { UploadId } = await this.s3.send(new CreateMultipartUploadCommand({ Bucket: to.bucket, Key: to.key, Metadata: metadata }));
    try {
      const parts = [];
      for (let start = 0, part = 1; start < sizeBytes; start += COPY_PART_BYTES, part += 1) {
        const end = Math.min(start + COPY_PART_BYTES, sizeBytes) - 1;
        const copied = await this.s3.send(
          new UploadPartCopyCommand({
            Bucket: to.bucket,
            Key: to.key,
            UploadId,
            PartNumber: part,
            CopySource: source,
            CopySourceRange: `bytes=${start}-${end}`,
          }),
        );
        parts.push({ PartNumber: part, ETag: copied.CopyPartResult?.ETag });
      }
      await this.s3.send(
        new CompleteMultipartUploadCommand({ Bucket: to.bucket, Key: to.key, UploadId, MultipartUpload: { Parts: parts } }),
      );
    } catch (error) {
      await this.s3.send(new AbortMultipartUploadCommand({ Bucket: to.bucket, Key: to.key, UploadId })).catch(() => undefined);
      throw error;
    }
  }

  async exists(bucket: string, key: string): Promise<boolean> {
    return (await this.head(bucket, key)) !== null;
  }

  async head(bucket: string, key: string): Promise<{ sizeBytes: number; etag?: string } | null> {
    try {
      const result = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      const etag = result.ETag?.replace(/"/g, '');
      return { sizeBytes: Number(result.ContentLength ?? 0), ...(etag ? { etag } : {}) };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async delete(bucket: string, key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }
}
