import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * SDK clients. On AWS they use the Lambda's role and region. Locally AWS_ENDPOINT_URL (read natively by
 * SDK v3) points them at the emulator; S3 then needs path-style addressing, and Kinesis needs HTTP/1.1
 * because its client defaults to HTTP/2, which the emulator does not speak.
 */

export interface AwsClients {
  s3: S3Client;
  dynamo: DynamoDBDocumentClient;
  kinesis: KinesisClient;
  sfn: SFNClient;
}

export function createClients(env: Record<string, string | undefined> = process.env): AwsClients {
  const local = Boolean(env.AWS_ENDPOINT_URL);
  const common = { maxAttempts: 6 } as const;
  return {
    s3: new S3Client({ ...common, forcePathStyle: local }),
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient(common), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    kinesis: new KinesisClient({ ...common, requestHandler: new NodeHttpHandler() }),
    sfn: new SFNClient(common),
  };
}
