import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { Metric } from '../contracts/metrics';
import { type StackConfig, sweeperTimeoutSeconds } from '../contracts/stackConfig';
import { TrackingStoreError } from '../handlers/adapters/dynamoTrackingStore';
import { MemoryMetricsSink } from '../handlers/adapters/memoryMetricsSink';
import { SqsDeadLetterQueue } from '../handlers/adapters/sqsDeadLetterQueue';
import { createBatcherHandler } from '../handlers/batcher';
import { createDepsFactory, type DepsOverrides } from '../handlers/batchingDeps';
import type { KeyEncoding } from '../handlers/domain/eventKeys';
import { glueDefaultArguments } from '../handlers/orchestration/glueArguments';
import type { BatchingSettings, RuntimeConfig } from '../handlers/runtimeConfig';
import { type FlushOutcome, flushDate } from '../handlers/services/flushDate';
import { createSweeperHandler } from '../handlers/sweeper';
import { Chaos } from './chaos';
import { type DeadLetterFaults, failIngestPuts, failingBatches } from './deadLetterFaults';
import { type Emulator, startEmulator } from './emulator';
import { FileLog } from './fileLog';
import { failUntilRedriven } from './glueFaultPlan';
import { LocalGlueRunner } from './glueRunner';
import { LocalIam, type LocalIamOptions } from './iam/localIam';
import type { LocalRole } from './iam/roles';
import { InvocationDeadlines } from './invocationDeadline';
import { type LambdaIdentity, lambdaContext } from './lambdaContext';
import { createLocalClients, destroyLocalClients, type LocalClients } from './localClients';
import {
  createLocalResources,
  LOCAL_ACCOUNT,
  type LocalResources,
  loadStackConfig,
  loadStackFile,
  localRuntimeConfig,
  localStateMachine,
} from './resources';
import { createEventingUploader, type ObjectCreatedEvent } from './s3EventShim';
import { type InvocationOutcome, type KinesisBatchHandler, ShardPoller } from './shardPoller';
import { type ExecutionOutcome, LocalStepFunctionsExecutor } from './stepFunctions';
import { SweeperSchedule } from './sweeperSchedule';
import { localThrottle, type ThrottleFigures, type ThrottleModel, throttleFigures } from './throttling';

/**
 * The whole pipeline on one machine: moto for S3/DynamoDB/Kinesis/SFN, the S3->EventBridge->Kinesis shim
 * on the uploading client, the event source mapping (shard poller) invoking the real batcher handler,
 * the sweeper on a timer, the Step Functions executor running the real ASL, and the Glue worker running
 * the real job script. Everything is created from Pulumi.dev.yaml (or `stackFile`); tests may tighten thresholds.
 */

export interface LocalRuntimeOptions {
  runDir: string;
  /** `local --stack-file`: a Pulumi.<stack>.yaml-shaped file to run instead of Pulumi.dev.yaml. */
  stackFile?: string;
  /** Overrides of dev's batching thresholds (e.g. a smaller maxBatchFiles for a quick test). */
  thresholds?: Partial<BatchingSettings>;
  /** Overrides the mapping's MaximumBatchingWindowInSeconds (dev: 5 s), in ms. */
  batchingWindowMs?: number;
  /** Lanes per shard; default: the stack's parallelizationFactor. */
  concurrency?: number;
  duplicates?: number;
  reorder?: boolean;
  /** Fault injection rate: the share of batcher invocations that crash at a write (local/chaos.ts) and of Glue runs told to fail. */
  chaosRate?: number;
  /** Dates whose manifests' Glue runs fail until redriven (local/glueFaultPlan.ts): an operator's failed manifest, on demand. */
  failGlueForDates?: string[];
  sweepIntervalMs?: number;
  pollIntervalMs?: number;
  /** `--throttle aws`: DynamoDB and Kinesis throttle at AWS's documented rates divided by `scale` (local/throttling.ts). */
  throttle?: { scale: number };
  /** The Lambdas' timeout, past which an invocation is killed (local/invocationDeadline.ts); default: the stack's. */
  lambdaTimeoutSeconds?: number;
  /** Another Glue worker command (a test double in unit tests); default: .venv python + glue/local_worker.py. */
  glueWorker?: { python?: string; script?: string };
  /**
   * IAM enforcement (default on): every component calls AWS with its role's permissions, checked against
   * the stack's own policies (local/iam). `{ enforced: false }` is `--no-iam`, for debugging only.
   */
  iam?: Partial<LocalIamOptions>;
  /** An emulator already running (tests); otherwise one is started and stopped with the runtime. */
  emulatorEndpoint?: string;
  /** How the shim spells keys in events (`local --key-encoding`); default form, as S3 documents. */
  keyEncoding?: KeyEncoding;
  /** Tests: events forced into the rule target's DLQ or the mapping's on-failure destination (local/deadLetterFaults.ts). */
  deadLetterFaults?: DeadLetterFaults;
  /** `local --drop-events RATE`: the share of Object Created events the shim never puts on the stream. */
  dropEventsRate?: number;
  /**
   * Objects younger than this are left to the live pipeline by the sweeper's reconcile (on AWS:
   * maxWaitSeconds); default: the batching window + 10 s, past which a delivered event has been registered.
   */
  reconcileGraceSeconds?: number;
  onObjectCreated?: (event: ObjectCreatedEvent) => void;
  onInvocation?: (outcome: InvocationOutcome) => void;
  onExecutionStart?: (execution: { name: string; running: number }) => void;
  onExecution?: (outcome: ExecutionOutcome) => void;
}

export interface RuntimeStats {
  batcherInvocations: number;
  /** Stream records read, before duplication (--duplicates). */
  eventsRead: number;
  /** Records handed to invocations, counting duplicates and redeliveries. */
  eventsDelivered: number;
  batcherErrors: number;
  partialFailures: number;
  retries: number;
  dlqBatches: number;
  dlqRecords: number;
  sweeps: number;
  executions: number;
  executionsFailed: number;
  glueRuns: number;
  glueRunsFailed: number;
  glueRunsRefused: number;
  glueRunsQueued: number;
  chaosCrashes: number;
  /** Invocations killed at their timeout. */
  lambdaTimeouts: number;
  /** With --throttle: the limits in force and what they refused; null without. */
  throttle: ThrottleFigures | null;
  /** ERROR lines the handlers wrote to batcher.log / sweeper.log. */
  batcherLogErrors: number;
  sweeperLogErrors: number;
  /** Object Created events the shim dropped (`--drop-events`). */
  eventsDropped: number;
}

export class LocalRuntimeError extends Error {
  override readonly name = 'LocalRuntimeError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The handlers' structured logs in the run directory (`batcher.log`, `sweeper.log`). */
export interface HandlerLogs {
  batcher: FileLog;
  sweeper: FileLog;
}

/** The identities whose DynamoDB and Kinesis calls count against capacity (the Glue job calls neither). */
const THROTTLED_ROLES: readonly LocalRole[] = ['batcher', 'sweeper', 'stateMachine', 'eventsToKinesis'];

const isThrottlingFailure = (error: unknown): boolean =>
  error instanceof TrackingStoreError || ['ProvisionedThroughputExceededException', 'ThrottlingException'].includes((error as Error).name);

/** What `LocalRuntime.start` builds; the runtime owns each part and stops it in `stop()`. */
export interface LocalRuntimeParts {
  emulatorEndpoint: string;
  /** The emulator this runtime started; undefined when it runs against one it was given. */
  emulator: Emulator | undefined;
  stack: StackConfig;
  resources: LocalResources;
  config: RuntimeConfig;
  clients: LocalClients;
  iam: LocalIam;
  uploader: S3Client;
  poller: ShardPoller;
  executor: LocalStepFunctionsExecutor;
  glue: LocalGlueRunner;
  sweeper: SweeperSchedule;
  metrics: MemoryMetricsSink;
  chaos: Chaos;
  /** The operator's flush: batching deps with the setup identity's clients. */
  operatorOverrides: DepsOverrides;
  deadlines: InvocationDeadlines;
  throttle: ThrottleModel | null;
  logs: HandlerLogs;
  runDir: string;
  dropped: { count: number };
}

export class LocalRuntime {
  readonly emulatorEndpoint: string;
  private readonly emulator: Emulator | undefined;
  readonly stack: StackConfig;
  readonly resources: LocalResources;
  readonly config: RuntimeConfig;
  /** The setup identity's clients (resource creation, operator commands, tests' reads): not checked by IAM. */
  readonly clients: LocalClients;
  /** Each component's role and the proxy that holds it to the stack's policies. */
  readonly iam: LocalIam;
  /** The producers' S3 client: writes through it into the input bucket raise Object Created events. */
  readonly uploader: S3Client;
  readonly poller: ShardPoller;
  readonly executor: LocalStepFunctionsExecutor;
  readonly glue: LocalGlueRunner;
  readonly sweeper: SweeperSchedule;
  readonly metrics: MemoryMetricsSink;
  readonly chaos: Chaos;
  private readonly operatorOverrides: DepsOverrides;
  readonly deadlines: InvocationDeadlines;
  readonly throttle: ThrottleModel | null;
  private readonly logs: HandlerLogs;
  readonly runDir: string;
  private readonly dropped: { count: number };

  private constructor(parts: LocalRuntimeParts) {
    this.emulatorEndpoint = parts.emulatorEndpoint;
    this.emulator = parts.emulator;
    this.stack = parts.stack;
    this.resources = parts.resources;
    this.config = parts.config;
    this.clients = parts.clients;
    this.iam = parts.iam;
    this.uploader = parts.uploader;
    this.poller = parts.poller;
    this.executor = parts.executor;
    this.glue = parts.glue;
    this.sweeper = parts.sweeper;
    this.metrics = parts.metrics;
    this.chaos = parts.chaos;
    this.operatorOverrides = parts.operatorOverrides;
    this.deadlines = parts.deadlines;
    this.throttle = parts.throttle;
    this.logs = parts.logs;
    this.runDir = parts.runDir;
    this.dropped = parts.dropped;
  }

  static async start(options: LocalRuntimeOptions): Promise<LocalRuntime> {
    await mkdir(options.runDir, { recursive: true });
    const loaded = options.stackFile ? await loadStackFile(options.stackFile) : await loadStackConfig();
    const emulator = options.emulatorEndpoint ? undefined : await startEmulator({ region: loaded.region });
    const endpoint = options.emulatorEndpoint ?? (emulator as Emulator).endpoint;
    let iam: LocalIam | undefined;
    try {
      const suffix = options.emulatorEndpoint ? `local-${randomUUID().slice(0, 8)}` : 'local';
      const clients = createLocalClients(endpoint, loaded.region);
      const resources = await createLocalResources(
        { s3: clients.s3, dynamo: clients.dynamoRaw, kinesis: clients.kinesis, sfn: clients.sfn, sqs: clients.sqs, glue: clients.glue },
        loaded,
        suffix,
      );
      const config = localRuntimeConfig(resources, loaded.config, options.thresholds);
      iam = await LocalIam.start(endpoint, resources, loaded.config, { enforced: true, ...options.iam });
      const batcherClients = iam.clients('batcher');
      const metrics = new MemoryMetricsSink();
      const logs: HandlerLogs = {
        batcher: new FileLog(join(options.runDir, 'batcher.log'), 'batcher'),
        sweeper: new FileLog(join(options.runDir, 'sweeper.log'), 'sweeper'),
      };
      const common: DepsOverrides = { config, clients, metrics, now: () => new Date() };
      // The operator's flush runs with the setup identity: the stack defines no operator role.
      const operatorOverrides: DepsOverrides = { ...common, log: logs.batcher };
      const batcherOverrides: DepsOverrides = { ...common, clients: batcherClients, log: logs.batcher };
      const chaos = new Chaos(options.chaosRate ?? 0);
      // Crash points fire only inside chaos.run, i.e. inside a batcher invocation, on the batcher's clients.
      // A crashed invocation throws, and the poller redelivers its batch as Lambda would.
      if (options.chaosRate) chaos.install(batcherClients.s3, batcherClients.dynamoRaw, batcherClients.sfn);
      const sweeperClients = iam.clients('sweeper');
      const timeoutSeconds = options.lambdaTimeoutSeconds ?? loaded.config.batcher.timeoutSeconds;
      const sweeperTimeout = options.lambdaTimeoutSeconds ?? sweeperTimeoutSeconds(loaded.config.sweeper);
      // Every invocation ends at its timeout as on Lambda; a killed one's later calls are refused.
      const deadlines = new InvocationDeadlines();
      for (const own of [batcherClients, sweeperClients]) deadlines.install(own.s3, own.dynamoRaw, own.sfn, own.kinesis);
      // One model for every identity's clients: capacity is the table's and the stream's, whoever calls.
      const throttle = options.throttle ? await localThrottle(clients, endpoint, loaded.region, options.throttle.scale) : null;
      if (throttle) for (const role of THROTTLED_ROLES) throttle.install(iam.clients(role));
      const batcherHandler = createBatcherHandler(batcherOverrides);
      const batchFault = options.deadLetterFaults?.batch;
      const faulted = batchFault ? failingBatches(batcherHandler, batchFault) : batcherHandler;
      const crashing: KinesisBatchHandler = options.chaosRate ? (event, context) => chaos.run(() => faulted(event, context)) : faulted;
      const batcher: KinesisBatchHandler = (event, context) => deadlines.run(timeoutSeconds, () => crashing(event, context));
      const batchingWindowMs = options.batchingWindowMs ?? loaded.config.batcher.maximumBatchingWindowSeconds * 1000;
      const sweeperHandler = createSweeperHandler({
        ...common,
        clients: sweeperClients,
        log: logs.sweeper,
        reconcile: { graceSeconds: options.reconcileGraceSeconds ?? Math.ceil(batchingWindowMs / 1000) + 10 },
      });
      const dropped = { count: 0 };

      const identity = (functionName: string): LambdaIdentity => ({
        functionName,
        memoryMb: loaded.config.batcher.memoryMb,
        timeoutSeconds,
        region: loaded.region,
        account: LOCAL_ACCOUNT,
      });

      const targetKinesis = iam.clients('eventsToKinesis').kinesis;
      if (options.deadLetterFaults?.ingest) failIngestPuts(targetKinesis, options.deadLetterFaults.ingest);
      const uploader = createEventingUploader(
        endpoint,
        // The EventBridge rule's target role puts the event on the stream.
        {
          region: loaded.region,
          streamName: resources.streamName,
          inputBucket: resources.inputBucket,
          kinesis: targetKinesis,
          ...(options.keyEncoding ? { keyEncoding: options.keyEncoding } : {}),
          deadLetters: {
            // EventBridge itself sends to the DLQ, allowed by the queue's policy (pulumi/policies/ingest.ts
            // ruleDeadLetterQueuePolicy), not by the target role: the local proxy checks identities only,
            // so this send goes with the setup identity.
            queue: new SqsDeadLetterQueue(clients.sqs, resources.deadLetterQueues.ingest),
            ruleArn: resources.ingestRuleArn,
            targetArn: resources.streamArn,
          },
          ...(options.dropEventsRate
            ? {
                drop: {
                  rate: options.dropEventsRate,
                  onDrop: () => {
                    dropped.count += 1;
                  },
                },
              }
            : {}),
        },
        options.onObjectCreated,
      );

      const poller = new ShardPoller({
        // The event source mapping reads the stream with the function's execution role.
        kinesis: batcherClients.kinesis,
        streamName: resources.streamName,
        streamArn: resources.streamArn,
        region: loaded.region,
        handler: batcher,
        lambda: identity(resources.batcherFunctionName),
        invokeIdentityArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${resources.batcherFunctionName}`,
        batchSize: loaded.config.batcher.batchSize,
        batchingWindowMs,
        maximumRetryAttempts: loaded.config.batcher.maximumRetryAttempts,
        bisectOnError: true,
        parallelization: options.concurrency ?? loaded.config.batcher.parallelizationFactor,
        // Lambda sends to the on-failure destination with the function's execution role (SendToOnFailureDlq).
        deadLetters: new SqsDeadLetterQueue(batcherClients.sqs, resources.deadLetterQueues.batcher),
        duplicates: options.duplicates ?? 1,
        reorder: options.reorder ?? false,
        ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
        ...(options.onInvocation ? { onInvocation: options.onInvocation } : {}),
      });

      const glue = new LocalGlueRunner({
        jobName: resources.glueJobName,
        defaultArguments: {
          ...glueDefaultArguments(
            loaded.config,
            { outputBucket: resources.outputBucket, manifestBucket: resources.manifestBucket },
            resources.catalog,
          ),
        },
        maxConcurrentRuns: loaded.config.glue.maxConcurrentRuns,
        jobRunQueuing: true,
        env: iam.env('glueJob'),
        logPath: join(options.runDir, 'glue-worker.log'),
        onInputsExcluded: (count) => metrics.add(Metric.InputsChanged, count),
        onRunCost: ({ dpuSeconds, inputBytes }) => {
          metrics.add(Metric.GlueDpuSeconds, dpuSeconds);
          metrics.add(Metric.GlueInputBytes, inputBytes);
        },
        ...options.glueWorker,
      });

      const executor = new LocalStepFunctionsExecutor({
        // The task calls sign as the state machine's role; finding executions is Step Functions' own work.
        ...localStateMachine(resources, { sfn: clients.sfn, dynamoRaw: iam.clients('stateMachine').dynamoRaw }),
        authorizeGlue: (action) => (iam as LocalIam).authorizeGlue(action),
        glue,
        glueFailureRate: options.chaosRate ?? 0,
        ...(options.failGlueForDates?.length ? { glueFault: failUntilRedriven(options.failGlueForDates) } : {}),
        ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
        ...(options.onExecutionStart ? { onStart: options.onExecutionStart } : {}),
        ...(options.onExecution ? { onOutcome: options.onExecution } : {}),
      });

      const sweeper = new SweeperSchedule(
        (event, context) => deadlines.run(sweeperTimeout, () => sweeperHandler(event, context)),
        () => lambdaContext(identity(resources.sweeperFunctionName)),
        options.sweepIntervalMs ?? 5000,
      );

      const runtime = new LocalRuntime({
        emulatorEndpoint: endpoint,
        emulator,
        stack: loaded.config,
        resources,
        config,
        clients,
        iam,
        uploader,
        poller,
        executor,
        glue,
        sweeper,
        metrics,
        chaos,
        operatorOverrides,
        deadlines,
        throttle,
        logs,
        runDir: options.runDir,
        dropped,
      });
      await poller.start();
      executor.start();
      sweeper.start();
      return runtime;
    } catch (error) {
      await iam?.stop();
      await emulator?.stop();
      throw error instanceof LocalRuntimeError
        ? error
        : new LocalRuntimeError(`local runtime did not start: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * An operator flush of `date` (`--flush`): its remainder goes out whatever its size. By default it waits
   * as long as a crashed holder's lease can keep the date locked (under --chaos an invocation may die
   * holding it), plus a margin for a live holder to finish; never longer than `budgetMs`.
   */
  async flush(date: string, budgetMs = Number.POSITIVE_INFINITY): Promise<FlushOutcome> {
    const timeoutMs = Math.min((this.config.lockLeaseSeconds + 30) * 1000, budgetMs);
    const deps = createDepsFactory(this.operatorOverrides)(`local-flush-${randomUUID()}`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let outcome: FlushOutcome;
      try {
        outcome = await flushDate(deps, date, { force: true });
      } catch (error) {
        // A date's partition key throttled past the SDK's and the store's retries (--throttle aws) fails a
        // flush as it fails a sweep; the sweeper would try again on its next run, and so does the operator here.
        if (!isThrottlingFailure(error) || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      if (outcome.status === 'planned') return outcome;
      // Another worker holds the date, or our lease ran short: it will plan; ask again when it is done.
      if (Date.now() > deadline)
        throw new LocalRuntimeError(`flush of ${date} did not get the date's lock within ${timeoutMs} ms (last status ${outcome.status})`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Counters of every part, read at the end of a run for its summary. */
  get stats(): RuntimeStats {
    const poller = this.poller.stats;
    const executions = this.executor.outcomes;
    return {
      batcherInvocations: poller.invocations,
      eventsRead: poller.recordsRead,
      eventsDelivered: poller.recordsDelivered,
      batcherErrors: poller.errors,
      partialFailures: poller.partialFailures,
      retries: poller.retries,
      dlqBatches: poller.dlqBatches,
      dlqRecords: poller.dlqRecords,
      sweeps: this.sweeper.runs,
      executions: executions.length,
      executionsFailed: executions.filter((o) => o.status === 'FAILED').length,
      glueRuns: this.glue.stats.runs,
      glueRunsFailed: this.glue.stats.failed,
      glueRunsRefused: this.glue.stats.refused,
      glueRunsQueued: this.glue.stats.queued,
      chaosCrashes: this.chaos.stats.crashes,
      lambdaTimeouts: this.deadlines.stats.timeouts,
      throttle: this.throttle ? throttleFigures(this.throttle) : null,
      batcherLogErrors: this.logs.batcher.errors,
      sweeperLogErrors: this.logs.sweeper.errors,
      eventsDropped: this.dropped.count,
    };
  }

  async stop(): Promise<void> {
    await this.sweeper.stop();
    await this.poller.stop();
    await this.executor.stop();
    await this.glue.stop();
    await Promise.all([this.logs.batcher.close(), this.logs.sweeper.close()]);
    this.uploader.destroy();
    destroyLocalClients(this.clients);
    await this.iam.stop();
    this.throttle?.close();
    await this.emulator?.stop();
  }
}
