import { LOCAL_ACCOUNT } from '../resources';

/**
 * The IAM authorisations an HTTP request needs, as AWS derives them: one request may need several
 * (CopyObject reads the source and writes the target; TransactWriteItems is authorised per item, on each
 * item's table; a multi-object delete per key). Sources, from the Service Authorization Reference and the
 * services' guides:
 * - S3: "Required permissions for Amazon S3 API operations" (HeadObject -> s3:GetObject, ListObjectsV2 ->
 *   s3:ListBucket with the s3:prefix key, CopyObject -> s3:GetObject on the source and s3:PutObject on the
 *   target, the multipart operations -> s3:PutObject, AbortMultipartUpload -> s3:AbortMultipartUpload,
 *   DeleteObjects -> s3:DeleteObject for each key).
 * - DynamoDB: "Using IAM policy conditions for fine-grained access control" / transactions: TransactWriteItems
 *   and TransactGetItems have no action of their own; each item needs PutItem, UpdateItem, DeleteItem,
 *   ConditionCheckItem or GetItem on its table. Query and Scan of an index are authorised on
 *   `<table ARN>/index/<name>`.
 * - Kinesis, Step Functions: one action per API, on the stream / state machine / execution ARN.
 * - Glue Data Catalog: a table's calls (GetTable, UpdateTable, ...) are authorised on the catalog, the
 *   database and the table ARN together, a database's on the catalog and the database
 *   (https://docs.aws.amazon.com/glue/latest/dg/glue-specifying-resource-arns.html).
 */

export interface Authorization {
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
}

export interface HttpRequest {
  method: string;
  /** The raw path, without the query. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export class UnmappedRequestError extends Error {
  override readonly name = 'UnmappedRequestError';
}

const header = (request: HttpRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const s3Arn = (bucket: string, key?: string) => (key === undefined ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${key}`);

const XML_ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'" };
const xmlText = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|apos);|&#(\d+);|&#x([0-9a-fA-F]+);/g, (entity, _n, dec, hex) =>
    dec ? String.fromCodePoint(Number(dec)) : hex ? String.fromCodePoint(Number.parseInt(hex, 16)) : XML_ENTITIES[entity]!,
  );

/** Bucket subresources and the actions that read (GET/HEAD) and write (PUT) them. */
const BUCKET_SUBRESOURCES: Record<string, { read: string; write?: string; remove?: string }> = {
  location: { read: 's3:GetBucketLocation' },
  versions: { read: 's3:ListBucketVersions' },
  uploads: { read: 's3:ListBucketMultipartUploads' },
  policy: { read: 's3:GetBucketPolicy', write: 's3:PutBucketPolicy', remove: 's3:DeleteBucketPolicy' },
  tagging: { read: 's3:GetBucketTagging', write: 's3:PutBucketTagging', remove: 's3:PutBucketTagging' },
  notification: { read: 's3:GetBucketNotification', write: 's3:PutBucketNotification' },
  lifecycle: { read: 's3:GetLifecycleConfiguration', write: 's3:PutLifecycleConfiguration' },
  versioning: { read: 's3:GetBucketVersioning', write: 's3:PutBucketVersioning' },
  encryption: { read: 's3:GetEncryptionConfiguration', write: 's3:PutEncryptionConfiguration' },
  acl: { read: 's3:GetBucketAcl', write: 's3:PutBucketAcl' },
};

function s3Authorizations(request: HttpRequest): Authorization[] {
  const [, bucket = '', ...rest] = request.path.split('/');
  const key = rest.length ? decodeURIComponent(rest.join('/')) : '';
  const method = request.method.toUpperCase();
  const q = request.query;
  const one = (action: string, resource: string, context: Authorization['context'] = {}): Authorization[] => [
    { action, resource, context },
  ];
  if (!bucket) return one('s3:ListAllMyBuckets', '*');
  if (!key) {
    if (method === 'POST' && q.has('delete')) {
      const keys = [...request.body.toString('utf8').matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) => xmlText(m[1]!));
      return keys.map((k) => ({ action: 's3:DeleteObject', resource: s3Arn(bucket, k), context: {} }));
    }
    const sub = Object.keys(BUCKET_SUBRESOURCES).find((name) => q.has(name));
    if (sub) {
      const actions = BUCKET_SUBRESOURCES[sub]!;
      const action = method === 'PUT' ? actions.write : method === 'DELETE' ? actions.remove : actions.read;
      return one(action ?? `s3:Unmapped${method}${sub}`, s3Arn(bucket));
    }
    if (method === 'PUT') return one('s3:CreateBucket', s3Arn(bucket));
    if (method === 'DELETE') return one('s3:DeleteBucket', s3Arn(bucket));
    // ListObjects(V2) and HeadBucket: s3:ListBucket, with the listing's prefix as s3:prefix.
    const context: Authorization['context'] = { 's3:prefix': q.get('prefix') ?? '' };
    if (q.has('delimiter')) context['s3:delimiter'] = q.get('delimiter')!;
    if (q.has('max-keys')) context['s3:max-keys'] = q.get('max-keys')!;
    return one('s3:ListBucket', s3Arn(bucket), context);
  }
  const target = s3Arn(bucket, key);
  const versioned = q.has('versionId');
  if (method === 'GET' || method === 'HEAD') {
    if (q.has('tagging')) return one(versioned ? 's3:GetObjectVersionTagging' : 's3:GetObjectTagging', target);
    if (q.has('uploadId')) return one('s3:ListMultipartUploadParts', target);
    if (q.has('acl')) return one('s3:GetObjectAcl', target);
    if (q.has('attributes')) return one('s3:GetObjectAttributes', target);
    return one(versioned ? 's3:GetObjectVersion' : 's3:GetObject', target);
  }
  if (method === 'DELETE') {
    if (q.has('uploadId')) return one('s3:AbortMultipartUpload', target);
    if (q.has('tagging')) return one('s3:DeleteObjectTagging', target);
    return one(versioned ? 's3:DeleteObjectVersion' : 's3:DeleteObject', target);
  }
  if (method === 'PUT' && q.has('tagging')) return one('s3:PutObjectTagging', target);
  if (method === 'PUT' && q.has('acl')) return one('s3:PutObjectAcl', target);
  if (method === 'PUT' || method === 'POST') {
    // PutObject, UploadPart, CreateMultipartUpload (POST ?uploads), CompleteMultipartUpload (POST ?uploadId).
    const needs: Authorization[] = [{ action: 's3:PutObject', resource: target, context: {} }];
    const copySource = header(request, 'x-amz-copy-source');
    if (copySource) {
      // CopyObject and UploadPartCopy: `bucket/key[?versionId=...]`, URL-encoded, optionally with a leading slash.
      const [path = '', sourceQuery = ''] = copySource.replace(/^\//, '').split('?');
      const decoded = decodeURIComponent(path);
      const slash = decoded.indexOf('/');
      const source = s3Arn(decoded.slice(0, slash), decoded.slice(slash + 1));
      needs.unshift({ action: sourceQuery.includes('versionId=') ? 's3:GetObjectVersion' : 's3:GetObject', resource: source, context: {} });
    }
    // Tags given with the write (x-amz-tagging) are authorised by s3:PutObjectTagging as well.
    if (header(request, 'x-amz-tagging') !== undefined) needs.push({ action: 's3:PutObjectTagging', resource: target, context: {} });
    return needs;
  }
  return one(`s3:Unmapped${method}`, target);
}

/** The action prefix of each JSON-protocol service, by the X-Amz-Target's prefix. */
const TARGET_PREFIXES: Record<string, string> = {
  DynamoDB_20120810: 'dynamodb',
  Kinesis_20131202: 'kinesis',
  AWSStepFunctions: 'states',
  AmazonSQS: 'sqs',
  AWSGlue: 'glue',
};

const TRANSACT_ITEM_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Get: 'dynamodb:GetItem',
};

interface Scope {
  region: string;
}

function dynamoAuthorizations(operation: string, body: Record<string, unknown>, scope: Scope): Authorization[] {
  const table = (name: string) => `arn:aws:dynamodb:${scope.region}:${LOCAL_ACCOUNT}:table/${name}`;
  const action = `dynamodb:${operation}`;
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
    return ((body.TransactItems as Record<string, { TableName: string }>[] | undefined) ?? []).flatMap((item) =>
      Object.entries(item).map(([kind, request]) => ({
        action: TRANSACT_ITEM_ACTIONS[kind] ?? `dynamodb:Unmapped${kind}`,
        resource: table(request.TableName),
        context: {},
      })),
    );
  }
  if (operation === 'BatchWriteItem' || operation === 'BatchGetItem') {
    return Object.keys((body.RequestItems as Record<string, unknown>) ?? {}).map((name) => ({
      action,
      resource: table(name),
      context: {},
    }));
  }
  if (operation === 'ListTables') return [{ action, resource: '*', context: {} }];
  const name = String(body.TableName ?? '');
  const index = (operation === 'Query' || operation === 'Scan') && typeof body.IndexName === 'string' ? `/index/${body.IndexName}` : '';
  return [{ action, resource: `${table(name)}${index}`, context: {} }];
}

/** moto's shard iterators are base64 of `<stream>:<shard>:<sequence>` (moto/kinesis/utils.py). */
function streamOfShardIterator(iterator: string): string {
  return Buffer.from(iterator, 'base64').toString('utf8').split(':')[0] ?? '';
}

function kinesisAuthorizations(operation: string, body: Record<string, unknown>, scope: Scope): Authorization[] {
  const action = `kinesis:${operation}`;
  if (operation === 'ListStreams') return [{ action, resource: '*', context: {} }];
  const name =
    typeof body.StreamName === 'string'
      ? body.StreamName
      : typeof body.ShardIterator === 'string' && typeof body.StreamARN !== 'string'
        ? streamOfShardIterator(body.ShardIterator)
        : undefined;
  const resource = typeof body.StreamARN === 'string' ? body.StreamARN : `arn:aws:kinesis:${scope.region}:${LOCAL_ACCOUNT}:stream/${name}`;
  return [{ action, resource, context: {} }];
}

function statesAuthorizations(operation: string, body: Record<string, unknown>): Authorization[] {
  const resource = [body.executionArn, body.stateMachineArn, body.mapRunArn].find((v): v is string => typeof v === 'string') ?? '*';
  return [{ action: `states:${operation}`, resource, context: {} }];
}

function sqsAuthorizations(operation: string, body: Record<string, unknown>, scope: Scope): Authorization[] {
  const url = typeof body.QueueUrl === 'string' ? body.QueueUrl : '';
  const queue = url.split('/').pop() ?? '*';
  return [{ action: `sqs:${operation}`, resource: `arn:aws:sqs:${scope.region}:${LOCAL_ACCOUNT}:${queue}`, context: {} }];
}

function glueAuthorizations(operation: string, body: Record<string, unknown>, scope: Scope): Authorization[] {
  const action = `glue:${operation}`;
  const base = `arn:aws:glue:${scope.region}:${typeof body.CatalogId === 'string' ? body.CatalogId : LOCAL_ACCOUNT}`;
  const database = typeof body.DatabaseName === 'string' ? body.DatabaseName : undefined;
  const tableInput = body.TableInput as { Name?: unknown } | undefined;
  const table = typeof body.Name === 'string' ? body.Name : typeof tableInput?.Name === 'string' ? tableInput.Name : undefined;
  const resources = [`${base}:catalog`];
  if (database) resources.push(`${base}:database/${database}`);
  if (database && table) resources.push(`${base}:table/${database}/${table}`);
  return resources.map((resource) => ({ action, resource, context: {} }));
}

/** What `request` needs from IAM. `service` is the SigV4 scope's service (s3, dynamodb, kinesis, states, sqs, glue). */
export function authorizationsFor(request: HttpRequest, service: string, region: string): Authorization[] {
  if (service === 's3') return s3Authorizations(request);
  const target = header(request, 'x-amz-target');
  if (!target) throw new UnmappedRequestError(`a ${service} request without X-Amz-Target: ${request.method} ${request.path}`);
  const [prefix = '', operation = ''] = target.split('.');
  const actionPrefix = TARGET_PREFIXES[prefix];
  if (!actionPrefix) throw new UnmappedRequestError(`unknown X-Amz-Target ${target}`);
  const text = request.body.toString('utf8');
  const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  const scope = { region };
  if (actionPrefix === 'dynamodb') return dynamoAuthorizations(operation, body, scope);
  if (actionPrefix === 'kinesis') return kinesisAuthorizations(operation, body, scope);
  if (actionPrefix === 'states') return statesAuthorizations(operation, body);
  if (actionPrefix === 'glue') return glueAuthorizations(operation, body, scope);
  return sqsAuthorizations(operation, body, scope);
}
