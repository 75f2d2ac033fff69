import { type ClientsWithRawDynamo, createClients } from '../handlers/adapters/clients';

export type LocalClients = ClientsWithRawDynamo;

/**
 * Clients bound to one emulator by explicit endpoint and dummy credentials, rather than through
 * process.env, so a test process can hold several runtimes and the handlers' clients cannot drift to a
 * real account.
 */
export function createLocalClients(endpoint: string, region: string): LocalClients {
  return createClients({ endpoint, region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing', sessionToken: 'testing' } });
}
