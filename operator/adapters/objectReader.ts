import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';

/** Listing and reading objects (reports, Parquet files, rejects) beside S3ObjectStore's JSON reads. */

export interface ListedObject {
  key: string;
  sizeBytes: number;
  lastModified: string | null;
}

export class ObjectReader {
  constructor(private readonly s3: S3Client) {}

  /** Keys under `prefix`, in key order, after `startAfter`; stops after `limit` keys. */
  async list(bucket: string, prefix: string, options: { startAfter?: string; limit?: number } = {}): Promise<ListedObject[]> {
    const objects: ListedObject[] = [];
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ...(token ? { ContinuationToken: token } : options.startAfter ? { StartAfter: options.startAfter } : {}),
        }),
      );
      for (const entry of page.Contents ?? []) {
        if (!entry.Key) continue;
        objects.push({ key: entry.Key, sizeBytes: Number(entry.Size ?? 0), lastModified: entry.LastModified?.toISOString() ?? null });
        if (objects.length >= limit) return objects;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects;
  }

  /** The object's text, or null when there is no such object. */
  async text(bucket: string, key: string): Promise<string | null> {
    try {
      const result = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await result.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      if (error instanceof NoSuchKey || (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404)) return null;
      throw error;
    }
  }
}
