import type { PolicyDocument } from './document';

/**
 * Bucket policy of every bucket: refuse any request that is not over TLS, or over TLS older than 1.2.
 * A Deny names `s3:*` on purpose: it must cover every action, and a deny cannot widen access.
 */
export function tlsOnlyBucketPolicy(bucketArn: string): PolicyDocument {
  const resources = [bucketArn, `${bucketArn}/*`];
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: ['s3:*'],
        Resource: resources,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        Sid: 'DenyOutdatedTls',
        Effect: 'Deny',
        Principal: '*',
        Action: ['s3:*'],
        Resource: resources,
        Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } },
      },
    ],
  };
}
