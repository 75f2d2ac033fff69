import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GlueClient } from '@aws-sdk/client-glue';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Prices } from '../../contracts/prices';
import { resourceNames } from '../../contracts/resourceNames';
import { ConfigError } from '../../contracts/stackConfig';
import { createClients, destroyClients } from '../../handlers/adapters/clients';
import { SqsDeadLetterQueue } from '../../handlers/adapters/sqsDeadLetterQueue';
import { batchingSettingsFromStack, type ResourceNames, type RuntimeConfig } from '../../handlers/runtimeConfig';
import { DEFAULT_SERVE_DIR, EndpointFileError, endpointFilePath, type LocalEndpoint, readEndpointFile } from '../../local/endpointFile';
import { createLocalClients, destroyLocalClients } from '../../local/localClients';
import { PROJECT_ROOT } from '../../local/projectRoot';
import { type DeadLetterQueueNames, LOCAL_STACK, type LoadedStack, loadStackConfig, localResourceNames } from '../../local/resources';
import type { LocalRuntime } from '../../local/runtime';
import { createEventingUploader } from '../../local/s3EventShim';
import { GlueJobRunReader } from '../adapters/glueJobRunReader';
import { TargetError, UsageError } from '../operatorError';
import type { PipelineTarget } from './pipelineTarget';
import { pulumiStackOutputs, readOutputsFile, type StackOutputs } from './stackOutputs';
import type { TargetFlags } from './targetFlags';

/**
 * Turns the target flags into a PipelineTarget: names from stack outputs, an endpoint file or the local
 * naming scheme, explicit flags over all of them; thresholds from the stack's own config file.
 */

export interface ResolveOptions {
  root?: string;
  env?: Record<string, string | undefined>;
}

async function stackConfig(stack: string, root: string): Promise<LoadedStack> {
  if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !existsSync(join(root, `Pulumi.${stack}.yaml`))) {
    throw new TargetError(`unknown stack "${stack}": there is no Pulumi.${stack}.yaml (stacks: dev, prod)`);
  }
  try {
    return await loadStackConfig(stack, root);
  } catch (error) {
    if (error instanceof ConfigError) throw new TargetError(error.message, { cause: error });
    throw error;
  }
}

type NamedResource = keyof ResourceNames | 'inputPrefix';

/** Where each name comes from: its option (highest precedence) and its stack output (pulumi/index.ts). */
const NAME_SOURCES: readonly { name: NamedResource; option: string; output: keyof StackOutputs }[] = [
  { name: 'tableName', option: '--table', output: 'tableName' },
  { name: 'inputBucket', option: '--input-bucket', output: 'inputBucketName' },
  { name: 'inputPrefix', option: '--input-prefix', output: 'inputPrefix' },
  { name: 'quarantineBucket', option: '--quarantine-bucket', output: 'quarantineBucketName' },
  { name: 'manifestBucket', option: '--manifest-bucket', output: 'manifestBucketName' },
  { name: 'outputBucket', option: '--output-bucket', output: 'outputBucketName' },
  { name: 'stateMachineArn', option: '--state-machine-arn', output: 'stateMachineArn' },
];

/** The key commander stores an option under: `--input-bucket` -> `inputBucket`. */
function flagOf(option: string): keyof TargetFlags {
  return option.slice(2).replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase()) as keyof TargetFlags;
}

/** The names `value` gives for each source; an empty prefix is a prefix (the bucket's root), an empty name is none. */
function namesFrom(value: (source: (typeof NAME_SOURCES)[number]) => unknown): Partial<Record<NamedResource, string>> {
  const names: Partial<Record<NamedResource, string>> = {};
  for (const source of NAME_SOURCES) {
    const given = value(source);
    if (typeof given === 'string' && (given !== '' || source.name === 'inputPrefix')) names[source.name] = given;
  }
  return names;
}

const explicitNames = (flags: TargetFlags) => namesFrom((source) => flags[flagOf(source.option)]);
const fromOutputs = (outputs: StackOutputs) => namesFrom((source) => outputs[source.output]);

function completeNames(partial: Partial<ResourceNames>, source: string): ResourceNames {
  const missing = NAME_SOURCES.filter((s) => s.name !== 'inputPrefix' && !partial[s.name as keyof ResourceNames]);
  if (missing.length > 0) throw new TargetError(`${source} does not name ${missing.map((s) => `${s.name} (${s.option})`).join(', ')}`);
  return partial as ResourceNames;
}

export async function resolveTarget(flags: TargetFlags, options: ResolveOptions = {}): Promise<PipelineTarget> {
  const root = options.root ?? PROJECT_ROOT;
  const env = options.env ?? process.env;
  const chosen = [
    flags.local !== undefined && '--local',
    flags.endpoint && '--endpoint',
    (flags.stack || flags.outputs) && '--stack/--outputs',
  ].filter(Boolean);
  if (chosen.length > 1) throw new UsageError(`give one of ${chosen.join(', ')}, not several`);
  const explicit = explicitNames(flags);

  if (flags.local !== undefined) {
    const path = await endpointFilePath(resolve(flags.local === true ? DEFAULT_SERVE_DIR : flags.local));
    let endpoint: LocalEndpoint;
    try {
      endpoint = await readEndpointFile(path);
    } catch (error) {
      if (error instanceof EndpointFileError) throw new TargetError(error.message, { cause: error });
      throw error;
    }
    const config: RuntimeConfig = { ...endpoint.config, ...explicit };
    // The local runtime runs the dev stack's config (local/resources.ts), prices included.
    const { prices } = (await stackConfig(LOCAL_STACK, root)).config;
    return localTarget({
      prices,
      endpoint: endpoint.emulatorEndpoint,
      region: endpoint.region,
      config,
      streamName: endpoint.streamName,
      outputPrefix: endpoint.outputPrefix,
      rejectsPrefix: endpoint.rejectsPrefix,
      dashboardUrl: endpoint.dashboardUrl,
      ...(endpoint.deadLetterQueues ? { deadLetterQueues: endpoint.deadLetterQueues } : {}),
    });
  }

  if (flags.endpoint) {
    let url: URL;
    try {
      url = new URL(flags.endpoint);
    } catch {
      throw new UsageError(`--endpoint must be a URL such as http://127.0.0.1:5000, got ${flags.endpoint}`);
    }
    const loaded = await stackConfig(LOCAL_STACK, root);
    const region = flags.region ?? loaded.region;
    const names = localResourceNames(loaded.config, region);
    const config: RuntimeConfig = { ...names, ...batchingSettingsFromStack(loaded.config), ...explicit };
    return localTarget({
      prices: loaded.config.prices,
      endpoint: url.toString().replace(/\/$/, ''),
      region,
      config,
      streamName: names.streamName,
      outputPrefix: loaded.config.outputPrefix,
      rejectsPrefix: loaded.config.rejectsPrefix,
      dashboardUrl: null,
      deadLetterQueues: names.deadLetterQueues,
    });
  }

  const anyExplicit = Object.keys(explicit).length > 0;
  if (!flags.stack && !flags.outputs && !anyExplicit) {
    throw new UsageError('say which pipeline: --stack dev|prod, --outputs FILE, --local [DIR] or --endpoint URL (see --help)');
  }
  const stack = flags.stack ?? 'dev';
  const loaded = await stackConfig(stack, root);
  let outputs: StackOutputs = {};
  if (flags.outputs) outputs = await readOutputsFile(resolve(flags.outputs));
  else if (flags.stack && !completeEnough(explicit)) outputs = pulumiStackOutputs(stack, root);
  const region = flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? loaded.region;
  const names = completeNames({ ...fromOutputs(outputs), ...explicit }, flags.outputs ? flags.outputs : `stack ${stack}`);
  const inputPrefix = explicit.inputPrefix ?? outputs.inputPrefix ?? loaded.config.inputPrefix;
  const clients = createClients({ region });
  const sqs = new SQSClient({ region });
  const glue = new GlueClient({ region, maxAttempts: 6 });
  // The stack's names when its outputs do not give them (pulumi/components/deadLetterQueue.ts).
  const named = resourceNames(loaded.config.namePrefix, stack);
  return {
    kind: 'aws',
    description: `stack ${stack} (${region})`,
    region,
    config: { ...names, ...batchingSettingsFromStack(loaded.config), inputPrefix },
    outputPrefix: loaded.config.outputPrefix,
    rejectsPrefix: loaded.config.rejectsPrefix,
    clients,
    uploader: clients.s3,
    dashboardUrl: outputs.dashboardUrl ?? null,
    prices: loaded.config.prices,
    jobRuns: new GlueJobRunReader(glue),
    deadLetters: {
      ingest: new SqsDeadLetterQueue(sqs, outputs.ingestDlqUrl ?? named.ingestDlq),
      batcher: new SqsDeadLetterQueue(sqs, outputs.batcherDlqUrl ?? named.batcherDlq),
      streamName: outputs.streamName ?? named.stream,
    },
    close: () => {
      destroyClients(clients);
      sqs.destroy();
      glue.destroy();
    },
  };
}

/** Every resource named by flags: no need to ask Pulumi. */
function completeEnough(explicit: Partial<ResourceNames>): boolean {
  return Boolean(
    explicit.tableName &&
      explicit.inputBucket &&
      explicit.quarantineBucket &&
      explicit.manifestBucket &&
      explicit.outputBucket &&
      explicit.stateMachineArn,
  );
}

/** The target of a runtime this process runs (`local --serve`, or `local` redriving its own failures). */
export function runtimeTarget(runtime: LocalRuntime, dashboardUrl: string | null = null): PipelineTarget {
  return localTarget({
    prices: runtime.stack.prices,
    endpoint: runtime.emulatorEndpoint,
    region: runtime.resources.region,
    config: runtime.config,
    streamName: runtime.resources.streamName,
    outputPrefix: runtime.stack.outputPrefix,
    rejectsPrefix: runtime.stack.rejectsPrefix,
    dashboardUrl,
    deadLetterQueues: runtime.resources.deadLetterQueues,
  });
}

export function localTarget(input: {
  endpoint: string;
  region: string;
  config: RuntimeConfig;
  streamName: string;
  outputPrefix: string;
  rejectsPrefix: string;
  dashboardUrl: string | null;
  prices: Prices;
  deadLetterQueues?: DeadLetterQueueNames;
}): PipelineTarget {
  const clients = createLocalClients(input.endpoint, input.region);
  // moto cannot deliver S3 events to Kinesis: uploads from this process raise the same Object Created
  // events the served runtime's own uploader does (local/s3EventShim.ts).
  const uploader = createEventingUploader(input.endpoint, {
    region: input.region,
    streamName: input.streamName,
    inputBucket: input.config.inputBucket,
    kinesis: clients.kinesis,
  });
  return {
    kind: 'local',
    description: `local pipeline at ${input.endpoint}`,
    region: input.region,
    config: input.config,
    outputPrefix: input.outputPrefix,
    rejectsPrefix: input.rejectsPrefix,
    clients,
    uploader,
    dashboardUrl: input.dashboardUrl,
    prices: input.prices,
    jobRuns: null,
    ...(input.deadLetterQueues
      ? {
          deadLetters: {
            ingest: new SqsDeadLetterQueue(clients.sqs, input.deadLetterQueues.ingest),
            batcher: new SqsDeadLetterQueue(clients.sqs, input.deadLetterQueues.batcher),
            streamName: input.streamName,
          },
        }
      : {}),
    close: () => {
      uploader.destroy();
      destroyLocalClients(clients);
    },
  };
}
