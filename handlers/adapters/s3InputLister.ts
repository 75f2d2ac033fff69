import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { InputLister, ListingPage } from '../services/reconcileInput';

/** ListObjectsV2 over the input prefix, one page a call, positioned by StartAfter (any key, existing or not). */
export class S3InputLister implements InputLister {
  constructor(private readonly s3: S3Client) {}

  async listPage(bucket: string, prefix: string, startAfter: string | null, maxKeys: number): Promise<ListingPage> {
    const page = await this.s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: maxKeys, ...(startAfter ? { StartAfter: startAfter } : {}) }),
    );
    return {
      objects: (page.Contents ?? []).flatMap((o) =>
        o.Key
          ? [
              {
                key: o.Key,
                sizeBytes: o.Size ?? 0,
                ...(o.ETag ? { etag: o.ETag } : {}),
                lastModified: (o.LastModified ?? new Date(0)).toISOString(),
              },
            ]
          : [],
      ),
      truncated: page.IsTruncated === true,
    };
  }
}
