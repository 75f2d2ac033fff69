import { GlueClient } from '@aws-sdk/client-glue';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsCredentialIdentity } from '@smithy/types';
import { TABLE_KEYS } from '../contracts/trackingSchema';
import { type ClientsWithRawDynamo, createClients, destroyClients } from '../handlers/adapters/clients';
import { enforceAwsLimits } from './awsLimits';

/**
 * The pipeline's clients plus SQS (the dead-letter queues, which only the local event wiring and the operator
 * use) and Glue (the catalog table, which only the local setup and export use: the job signs its own calls).
 */
export interface LocalClients extends ClientsWithRawDynamo {
  sqs: SQSClient;
  glue: GlueClient;
}

const SETUP_CREDENTIALS: AwsCredentialIdentity = { accessKeyId: 'testing', secretAccessKey: 'testing', sessionToken: 'testing' };

/**
 * Clients bound to one emulator by explicit endpoint and dummy credentials (the setup key, or a role's key: local/iam/credentials.ts), rather than through
 * process.env, so a test process can hold several runtimes and the handlers' clients cannot drift to a
 * real account. Every one of them holds its calls to AWS's limits (local/awsLimits.ts), which moto does not.
 */
export function createLocalClients(endpoint: string, region: string, credentials: AwsCredentialIdentity = SETUP_CREDENTIALS): LocalClients {
  const clients = createClients({ endpoint, region, credentials });
  enforceAwsLimits(clients, TABLE_KEYS);
  return {
    ...clients,
    sqs: new SQSClient({ endpoint, region, credentials, maxAttempts: 6 }),
    glue: new GlueClient({ endpoint, region, credentials, maxAttempts: 6 }),
  };
}

export function destroyLocalClients(clients: LocalClients): void {
  destroyClients(clients);
  clients.sqs.destroy();
  clients.glue.destroy();
}
