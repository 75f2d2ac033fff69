import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { ValidationException as KinesisValidationException } from '@aws-sdk/client-kinesis';
import { HeadObjectCommand, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { InvalidName } from '@aws-sdk/client-sfn';
import { aroundCommands, type CommandCall, type SdkClient } from './clientMiddleware';

/**
 * AWS's documented size and count limits, which moto does not enforce (or not everywhere), held at the SDK
 * client so the local world refuses what AWS would, with AWS's own error:
 * - DynamoDB: partition key <= 2,048 bytes, sort key <= 1,024 bytes, item <= 400 KB, TransactWriteItems
 *   <= 100 items and <= 4 MB, BatchWriteItem <= 25 requests, none two on the same item (ValidationException, as
 *   DynamoDB names it; moto holds BatchGetItem's 100 keys itself).
 * - Kinesis: partition key 1-256 characters, record (data + key) <= 1 MiB, PutRecords <= 500 records and
 *   <= 5 MiB (ValidationException / InvalidArgumentException).
 * - S3: CopyObject of a source over 5 GiB (InvalidRequest); larger objects need a multipart copy.
 * - Step Functions: execution names of 1-80 characters without whitespace, brackets, wildcards, control or
 *   special characters (InvalidName).
 */

const KiB = 1024;
const MiB = 1024 * KiB;

export const AWS_LIMITS = {
  dynamoPartitionKeyBytes: 2048,
  dynamoSortKeyBytes: 1024,
  dynamoItemBytes: 400 * KiB,
  dynamoTransactItems: 100,
  dynamoTransactBytes: 4 * MiB,
  dynamoBatchWriteItems: 25,
  kinesisPartitionKeyChars: 256,
  kinesisRecordBytes: MiB,
  kinesisPutRecordsCount: 500,
  kinesisPutRecordsBytes: 5 * MiB,
  s3CopyObjectBytes: 5 * 1024 * MiB,
  sfnExecutionNameChars: 80,
} as const;

export type AwsLimits = { -readonly [K in keyof typeof AWS_LIMITS]: number };

/** The primary key attribute names of the tables the local world holds (one schema, contracts/trackingSchema). */
export interface KeySchema {
  hash: string;
  range?: string;
}

const utf8 = (value: string) => Buffer.byteLength(value, 'utf8');

/** An attribute value's size as DynamoDB counts it, in either the marshalled ({S: …}) or the native form. */
function valueBytes(value: unknown): number {
  if (value === null || value === undefined) return 1;
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number' || typeof value === 'bigint') return numberBytes(String(value));
  if (typeof value === 'boolean') return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...value].reduce((sum: number, v) => sum + valueBytes(v), 0);
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + valueBytes(v), 0);
  const entries = Object.entries(value as Record<string, unknown>);
  const [only] = entries;
  if (entries.length === 1 && only) {
    const [type, inner] = only;
    switch (type) {
      case 'S':
        return utf8(inner as string);
      case 'N':
        return numberBytes(inner as string);
      case 'B':
        return (inner as Uint8Array).byteLength;
      case 'BOOL':
      case 'NULL':
        return 1;
      case 'SS':
        return (inner as string[]).reduce((sum, s) => sum + utf8(s), 0);
      case 'NS':
        return (inner as string[]).reduce((sum, n) => sum + numberBytes(n), 0);
      case 'BS':
        return (inner as Uint8Array[]).reduce((sum, b) => sum + b.byteLength, 0);
      case 'L':
        return 3 + (inner as unknown[]).reduce((sum: number, v) => sum + 1 + valueBytes(v), 0);
      case 'M':
        return 3 + mapBytes(inner as Record<string, unknown>);
    }
  }
  return 3 + mapBytes(value as Record<string, unknown>);
}

/** Numbers take about one byte per two significant digits, plus one. */
function numberBytes(text: string): number {
  const digits = text
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '').length;
  return Math.ceil(Math.max(digits, 1) / 2) + 1;
}

function mapBytes(map: Record<string, unknown>): number {
  return Object.entries(map).reduce((sum, [name, v]) => sum + utf8(name) + 1 + valueBytes(v), 0);
}

/** An item's size as DynamoDB measures it against its 400 KB limit: attribute names plus values. */
export function dynamoItemBytes(item: Record<string, unknown>): number {
  return Object.entries(item).reduce((sum, [name, v]) => sum + utf8(name) + valueBytes(v), 0);
}

function validation(message: string): DynamoDBServiceException {
  return new DynamoDBServiceException({ name: 'ValidationException', $fault: 'client', message, $metadata: { httpStatusCode: 400 } });
}

function checkKey(key: Record<string, unknown> | undefined, schema: KeySchema, limits: AwsLimits): void {
  if (!key) return;
  const hash = key[schema.hash];
  if (hash !== undefined && valueBytes(hash) > limits.dynamoPartitionKeyBytes) {
    throw validation(
      `One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of ${limits.dynamoPartitionKeyBytes} bytes`,
    );
  }
  const range = schema.range === undefined ? undefined : key[schema.range];
  if (range !== undefined && valueBytes(range) > limits.dynamoSortKeyBytes) {
    throw validation(
      `One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of ${limits.dynamoSortKeyBytes} bytes`,
    );
  }
}

function checkItem(item: Record<string, unknown> | undefined, schema: KeySchema, limits: AwsLimits): number {
  if (!item) return 0;
  checkKey(item, schema, limits);
  const bytes = dynamoItemBytes(item);
  if (bytes > limits.dynamoItemBytes) throw validation('Item size has exceeded the maximum allowed size');
  return bytes;
}

type Operation = Record<string, Record<string, unknown> | undefined>;

function checkDynamo({ commandName, input }: CommandCall, schema: KeySchema, limits: AwsLimits): void {
  switch (commandName) {
    case 'PutItemCommand':
      checkItem(input.Item as Record<string, unknown>, schema, limits);
      return;
    case 'UpdateItemCommand':
    case 'DeleteItemCommand':
    case 'GetItemCommand':
      checkKey(input.Key as Record<string, unknown>, schema, limits);
      return;
    case 'BatchWriteItemCommand': {
      // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html
      const tables = Object.values((input.RequestItems as Record<string, Operation[]> | undefined) ?? {});
      const requests = tables.flat();
      if (requests.length > limits.dynamoBatchWriteItems) {
        throw validation(
          `1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to ${limits.dynamoBatchWriteItems}, Member must have length greater than or equal to 1]`,
        );
      }
      const seen = new Set<string>();
      for (const request of requests) {
        const put = request.PutRequest?.Item as Record<string, unknown> | undefined;
        const key = put ?? (request.DeleteRequest?.Key as Record<string, unknown> | undefined) ?? {};
        if (put) checkItem(put, schema, limits);
        else checkKey(key, schema, limits);
        const identity = JSON.stringify([key[schema.hash], schema.range === undefined ? null : key[schema.range]]);
        if (seen.has(identity)) throw validation('Provided list of item keys contains duplicates');
        seen.add(identity);
      }
      return;
    }
    case 'TransactWriteItemsCommand': {
      const items = (input.TransactItems as Operation[] | undefined) ?? [];
      if (items.length > limits.dynamoTransactItems) {
        throw validation(
          `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to ${limits.dynamoTransactItems}`,
        );
      }
      let total = 0;
      for (const operation of items) {
        const put = operation.Put;
        if (put) total += checkItem(put.Item as Record<string, unknown>, schema, limits);
        for (const kind of ['Update', 'Delete', 'ConditionCheck']) {
          const keyed = operation[kind];
          if (keyed) {
            checkKey(keyed.Key as Record<string, unknown>, schema, limits);
            total += dynamoItemBytes((keyed.Key as Record<string, unknown>) ?? {});
          }
        }
      }
      if (total > limits.dynamoTransactBytes) throw validation('Transaction request cannot be larger than 4 MB');
      return;
    }
  }
}

function kinesisError(message: string): KinesisValidationException {
  return new KinesisValidationException({ message, $metadata: { httpStatusCode: 400 } });
}

function checkKinesisRecord(partitionKey: unknown, data: unknown, limits: AwsLimits): number {
  const key = typeof partitionKey === 'string' ? partitionKey : '';
  if (key.length < 1 || [...key].length > limits.kinesisPartitionKeyChars) {
    throw kinesisError(
      `1 validation error detected: Value at 'partitionKey' failed to satisfy constraint: Member must have length less than or equal to ${limits.kinesisPartitionKeyChars}`,
    );
  }
  const bytes = (data instanceof Uint8Array ? data.byteLength : 0) + utf8(key);
  if (bytes > limits.kinesisRecordBytes) {
    throw kinesisError(
      `1 validation error detected: Value at 'data' failed to satisfy constraint: Member must have length less than or equal to 1048576`,
    );
  }
  return bytes;
}

function checkKinesis({ commandName, input }: CommandCall, limits: AwsLimits): void {
  if (commandName === 'PutRecordCommand') checkKinesisRecord(input.PartitionKey, input.Data, limits);
  if (commandName === 'PutRecordsCommand') {
    const records = (input.Records as { PartitionKey?: unknown; Data?: unknown }[] | undefined) ?? [];
    if (records.length > limits.kinesisPutRecordsCount) {
      throw kinesisError(
        `1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length less than or equal to ${limits.kinesisPutRecordsCount}`,
      );
    }
    const total = records.reduce((sum, r) => sum + checkKinesisRecord(r.PartitionKey, r.Data, limits), 0);
    if (total > limits.kinesisPutRecordsBytes) throw kinesisError('Records size exceeds 5 MB limit');
  }
}

// Step Functions' documented name rules: no whitespace, brackets, wildcards, special or control (Cc) characters.
const INVALID_NAME_CHARACTER = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]/u;

function checkExecutionName({ commandName, input }: CommandCall, limits: AwsLimits): void {
  if (commandName !== 'StartExecutionCommand' || input.name === undefined) return;
  const name = String(input.name);
  if ([...name].length < 1 || [...name].length > limits.sfnExecutionNameChars || INVALID_NAME_CHARACTER.test(name)) {
    throw new InvalidName({ message: `Invalid Name: '${name}'`, $metadata: { httpStatusCode: 400 } });
  }
}

/** `bucket/key` of CopySource as S3 takes it: URL-encoded, optionally with a leading slash and ?versionId. */
function copySource(value: unknown): { bucket: string; key: string } | null {
  if (typeof value !== 'string') return null;
  const [path = ''] = value.replace(/^\//, '').split('?versionId=');
  const slash = path.indexOf('/');
  if (slash <= 0) return null;
  return { bucket: decodeURIComponent(path.slice(0, slash)), key: decodeURIComponent(path.slice(slash + 1)) };
}

async function checkCopy(s3: S3Client, { commandName, input }: CommandCall, limits: AwsLimits): Promise<void> {
  if (commandName !== 'CopyObjectCommand') return;
  const source = copySource(input.CopySource);
  if (!source) return;
  const head = await s3.send(new HeadObjectCommand({ Bucket: source.bucket, Key: source.key }));
  if ((head.ContentLength ?? 0) > limits.s3CopyObjectBytes) {
    throw new S3ServiceException({
      name: 'InvalidRequest',
      $fault: 'client',
      message: `The specified copy source is larger than the maximum allowable size for a copy source: ${limits.s3CopyObjectBytes}`,
      $metadata: { httpStatusCode: 400 },
    });
  }
}

export interface LimitedClients {
  s3: S3Client & SdkClient;
  dynamoRaw: SdkClient;
  kinesis: SdkClient;
  sfn: SdkClient;
}

/**
 * Holds every command these clients send to AWS's limits before it reaches the emulator. `limits` may
 * lower a threshold (a test exercising the multipart copy with small objects), never raise one past AWS's.
 */
export function enforceAwsLimits(clients: LimitedClients, tables: KeySchema, limits: Partial<AwsLimits> = {}): void {
  const effective: AwsLimits = { ...AWS_LIMITS, ...limits };
  const step = { step: 'initialize', name: 'awsLimits' } as const;
  aroundCommands([clients.dynamoRaw], step, async (call, proceed) => {
    checkDynamo(call, tables, effective);
    return proceed();
  });
  aroundCommands([clients.kinesis], step, async (call, proceed) => {
    checkKinesis(call, effective);
    return proceed();
  });
  aroundCommands([clients.sfn], step, async (call, proceed) => {
    checkExecutionName(call, effective);
    return proceed();
  });
  aroundCommands([clients.s3], step, async (call, proceed) => {
    await checkCopy(clients.s3, call, effective);
    return proceed();
  });
}
