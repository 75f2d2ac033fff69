import * as pulumi from '@pulumi/pulumi';
import { CONFIG_KEY, CONFIG_NAMESPACE } from '../../../contracts/stackConfig';

/**
 * Runs the Pulumi program under `pulumi.runtime.setMocks`, recording every resource (type, name, inputs as
 * the provider would receive them, resolved) and its options (parent, protect, dependsOn, ignoreChanges). One run per
 * process: each stack has its own test file, so the Pulumi runtime's global state never mixes stacks.
 */

export const ACCOUNT_ID = '123456789012';
export const MOCK_SUFFIX = 'a1b2c3d';

export interface RecordedResource {
  type: string;
  name: string;
  custom: boolean;
  inputs: Record<string, any>;
  state: Record<string, any>;
  parent?: { type: string; name: string };
  protect: boolean;
  dependsOn: string[];
  ignoreChanges: string[];
}

export interface StackRun {
  stack: string;
  region: string;
  resources: RecordedResource[];
  outputs: Record<string, unknown>;
  ofType(type: string): RecordedResource[];
  /** The one resource of `type` (optionally whose name ends with `suffix`); throws if not exactly one. */
  one(type: string, suffix?: string): RecordedResource;
  byName(name: string): RecordedResource[];
}

function physicalName(name: string, inputs: Record<string, any>): string {
  return typeof inputs.name === 'string' ? inputs.name : `${name}-${MOCK_SUFFIX}`;
}

/** Provider-computed attributes the program reads (arn, name, url, ...), in the real formats. */
export function fakeState(
  type: string,
  name: string,
  inputs: Record<string, any>,
  region: string,
): { id: string; state: Record<string, any> } {
  const n = physicalName(name, inputs);
  const base = `${region}:${ACCOUNT_ID}`;
  switch (type) {
    case 'aws:s3/bucket:Bucket': {
      const bucket = inputs.bucket ?? `${name}-${MOCK_SUFFIX}`;
      return { id: bucket, state: { ...inputs, bucket, arn: `arn:aws:s3:::${bucket}` } };
    }
    case 'aws:kinesis/stream:Stream':
      return { id: n, state: { ...inputs, name: n, arn: `arn:aws:kinesis:${base}:stream/${n}` } };
    case 'aws:dynamodb/table:Table':
      return { id: n, state: { ...inputs, name: n, arn: `arn:aws:dynamodb:${base}:table/${n}` } };
    case 'aws:lambda/function:Function':
      return { id: n, state: { ...inputs, name: n, arn: `arn:aws:lambda:${base}:function:${n}` } };
    case 'aws:sqs/queue:Queue': {
      const url = `https://sqs.${region}.amazonaws.com/${ACCOUNT_ID}/${n}`;
      return { id: url, state: { ...inputs, name: n, url, arn: `arn:aws:sqs:${base}:${n}` } };
    }
    case 'aws:sfn/stateMachine:StateMachine':
      return { id: n, state: { ...inputs, name: n, arn: `arn:aws:states:${base}:stateMachine:${n}` } };
    case 'aws:glue/job:Job':
      return { id: n, state: { ...inputs, name: n, arn: `arn:aws:glue:${base}:job/${n}` } };
    case 'aws:glue/catalogDatabase:CatalogDatabase':
      return { id: `${ACCOUNT_ID}:${n}`, state: { ...inputs, name: n, arn: `arn:aws:glue:${base}:database/${n}` } };
    case 'aws:glue/catalogTable:CatalogTable':
      return { id: n, state: { ...inputs, name: n, arn: `arn:aws:glue:${base}:table/${inputs.databaseName}/${n}` } };
    case 'aws:cloudwatch/logGroup:LogGroup':
      return { id: n, state: { ...inputs, name: n, arn: `arn:aws:logs:${base}:log-group:${n}` } };
    case 'aws:iam/role:Role':
      return { id: n, state: { ...inputs, name: n, arn: `arn:aws:iam::${ACCOUNT_ID}:role/${n}` } };
    case 'aws:sns/topic:Topic':
      return { id: `arn:aws:sns:${base}:${n}`, state: { ...inputs, name: n, arn: `arn:aws:sns:${base}:${n}` } };
    case 'aws:kms/key:Key': {
      const keyId = '1234abcd-12ab-34cd-56ef-1234567890ab';
      return { id: keyId, state: { ...inputs, keyId, arn: `arn:aws:kms:${base}:key/${keyId}` } };
    }
    case 'aws:cloudwatch/eventRule:EventRule':
      return { id: n, state: { ...inputs, name: n, arn: `arn:aws:events:${base}:rule/${n}` } };
    case 'aws:cloudwatch/metricAlarm:MetricAlarm':
      return { id: n, state: { ...inputs, name: n, arn: `arn:aws:cloudwatch:${base}:alarm:${n}` } };
    case 'aws:lambda/eventSourceMapping:EventSourceMapping':
      return { id: `${name}-uuid`, state: { ...inputs, uuid: `${name}-uuid` } };
    default:
      return { id: `${name}-id`, state: { ...inputs } };
  }
}

function invokeResult(token: string, region: string): Record<string, unknown> {
  switch (token) {
    case 'aws:index/getPartition:getPartition':
      return { id: 'aws', partition: 'aws', dnsSuffix: 'amazonaws.com', reverseDnsPrefix: 'com.amazonaws' };
    case 'aws:index/getRegion:getRegion':
      return { id: region, region, name: region, endpoint: `ec2.${region}.amazonaws.com`, description: region };
    case 'aws:index/getCallerIdentity:getCallerIdentity':
      return { id: ACCOUNT_ID, accountId: ACCOUNT_ID, arn: `arn:aws:iam::${ACCOUNT_ID}:user/deployer`, userId: 'AIDAEXAMPLE' };
    default:
      throw new Error(`unexpected invoke ${token}`);
  }
}

function key(type: string, name: string): string {
  return `${type}::${name}`;
}

/** Sets the stack config and the mocks; returns the map the mocks record resources into. */
export async function installMocks(options: { stack: string; region: string; rawConfig: unknown }): Promise<Map<string, RecordedResource>> {
  const resources = new Map<string, RecordedResource>();
  pulumi.runtime.setAllConfig({
    [`${CONFIG_NAMESPACE}:${CONFIG_KEY}`]: JSON.stringify(options.rawConfig),
    'aws:region': options.region,
  });
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const { id, state } = fakeState(args.type, args.name, args.inputs, options.region);
        resources.set(key(args.type, args.name), {
          type: args.type,
          name: args.name,
          custom: args.custom ?? true,
          inputs: args.inputs,
          state,
          protect: false,
          dependsOn: [],
          ignoreChanges: [],
        });
        return { id, state };
      },
      call(args) {
        return invokeResult(args.token, options.region);
      },
    },
    'ndjson-parquet',
    options.stack,
    false,
  );
  return resources;
}

export async function runProgram(options: {
  stack: string;
  region: string;
  rawConfig: unknown;
  /** Imports the program module (after mocks are set). */
  load: () => Promise<Record<string, unknown>>;
}): Promise<StackRun> {
  const resources = await installMocks(options);
  const resourceOptions = new Map<string, Pick<RecordedResource, 'parent' | 'protect' | 'dependsOn' | 'ignoreChanges'>>();

  const outputs =
    (await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((args) => {
        const parent = args.opts.parent as (pulumi.Resource & { __pulumiType?: string; __name?: string }) | undefined;
        const dependsOn = ([] as unknown[]).concat(args.opts.dependsOn ?? []) as (pulumi.Resource & { __name?: string })[];
        resourceOptions.set(key(args.type, args.name), {
          parent:
            parent && parent.__pulumiType !== 'pulumi:pulumi:Stack'
              ? { type: String(parent.__pulumiType), name: String(parent.__name) }
              : undefined,
          protect: Boolean(args.opts.protect),
          dependsOn: dependsOn.map((d) => String(d.__name)),
          ignoreChanges: args.opts.ignoreChanges ?? [],
        });
        return undefined;
      });
      return options.load();
    })) ?? {};
  await pulumi.runtime.disconnect();

  const all = [...resources.values()].map((r) => ({ ...r, ...resourceOptions.get(key(r.type, r.name)) }));
  const resolvedOutputs: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(outputs)) {
    resolvedOutputs[name] = pulumi.Output.isInstance(value) ? await (value as any).promise() : value;
  }
  const run: StackRun = {
    stack: options.stack,
    region: options.region,
    resources: all,
    outputs: resolvedOutputs,
    ofType: (type) => all.filter((r) => r.type === type),
    byName: (name) => all.filter((r) => r.name === name),
    one(type, suffix) {
      const found = all.filter((r) => r.type === type && (suffix === undefined || r.name.endsWith(suffix)));
      if (found.length !== 1) {
        throw new Error(
          `expected exactly one ${type}${suffix ? ` named *${suffix}` : ''}, found ${found.length}: ${found.map((r) => r.name).join(', ')}`,
        );
      }
      return found[0]!;
    },
  };
  return run;
}

/** Parses a JSON policy input (string) into an object. */
export function json<T = any>(value: unknown): T {
  if (typeof value !== 'string') throw new Error(`expected a JSON string, got ${typeof value}`);
  return JSON.parse(value) as T;
}
