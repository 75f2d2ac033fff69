import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
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

export class S3ObjectStore implements ObjectStore {
  constructor(private readonly s3: S3Client) {}

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
    from: { bucket: string; key: string },
    to: { bucket: string; key: string },
    metadata: Record<string, string>,
  ): Promise<'moved' | 'source-missing'> {
    try {
      await this.s3.send(
        new CopyObjectCommand({
          Bucket: to.bucket,
          Key: to.key,
          CopySource: `${from.bucket}/${encodeURIComponent(from.key).replace(/%2F/g, '/')}`,
          MetadataDirective: 'REPLACE',
          Metadata: metadata,
        }),
      );
    } catch (error) {
      if (isMissing(error)) return 'source-missing';
      throw error;
    }
    await this.s3.send(new DeleteObjectCommand({ Bucket: from.bucket, Key: from.key }));
    return 'moved';
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
