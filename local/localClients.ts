import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsClients } from '../handlers/adapters/clients';

/**
 * SDK clients bound to one emulator by explicit endpoint and dummy credentials, rather than through
 * process.env, so a test process can hold several runtimes and the handlers' clients cannot drift to a
 * real account. Same settings as handlers/adapters/clients.ts: path-style S3, HTTP/1.1 for Kinesis.
 */

export interface LocalClients extends AwsClients {
  /** Low-level client: the Step Functions DynamoDB integration passes DynamoDB-JSON parameters as they are. */
  dynamoRaw: DynamoDBClient;
}

export function createLocalClients(endpoint: string, region: string): LocalClients {
  const common = {
    endpoint,
    region,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing', sessionToken: 'testing' },
    maxAttempts: 6,
  } as const;
  const dynamoRaw = new DynamoDBClient(common);
  return {
    s3: new S3Client({ ...common, forcePathStyle: true }),
    dynamo: DynamoDBDocumentClient.from(dynamoRaw, { marshallOptions: { removeUndefinedValues: true } }),
    dynamoRaw,
    kinesis: new KinesisClient({ ...common, requestHandler: new NodeHttpHandler() }),
    sfn: new SFNClient(common),
  };
}

export function destroyLocalClients(clients: LocalClients): void {
  clients.s3.destroy();
  clients.dynamoRaw.destroy();
  clients.kinesis.destroy();
  clients.sfn.destroy();
}
