import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity } from '@smithy/types';

/**
 * SDK clients, built in one place for the Lambdas, the CLI and the local runtime. On AWS they use the
 * role (or the operator's credential chain) and region. Against the emulator (an explicit endpoint, or
 * AWS_ENDPOINT_URL, which SDK v3 reads natively) S3 needs path-style addressing; Kinesis always goes over
 * HTTP/1.1 because its client defaults to HTTP/2, which the emulator does not speak.
 */

export interface AwsClients {
  s3: S3Client;
  dynamo: DynamoDBDocumentClient;
  kinesis: KinesisClient;
  sfn: SFNClient;
}

export interface ClientsWithRawDynamo extends AwsClients {
  /** Low-level client: the Step Functions DynamoDB integration passes DynamoDB-JSON parameters as they are. */
  dynamoRaw: DynamoDBClient;
}

export interface ClientOptions {
  region?: string;
  /** An emulator's URL; clients bound to it by option rather than by AWS_ENDPOINT_URL, so one process can hold several. */
  endpoint?: string;
  credentials?: AwsCredentialIdentity;
}

export function createClients(options: ClientOptions = {}, env: Record<string, string | undefined> = process.env): ClientsWithRawDynamo {
  const emulated = Boolean(options.endpoint ?? env.AWS_ENDPOINT_URL);
  const common = { ...options, maxAttempts: 6 };
  const dynamoRaw = new DynamoDBClient(common);
  return {
    s3: new S3Client({ ...common, forcePathStyle: emulated }),
    dynamo: DynamoDBDocumentClient.from(dynamoRaw, { marshallOptions: { removeUndefinedValues: true } }),
    dynamoRaw,
    kinesis: new KinesisClient({ ...common, requestHandler: new NodeHttpHandler() }),
    sfn: new SFNClient(common),
  };
}

export function destroyClients(clients: ClientsWithRawDynamo): void {
  clients.s3.destroy();
  clients.dynamoRaw.destroy();
  clients.kinesis.destroy();
  clients.sfn.destroy();
}
