import { type AwsClients, createClients } from './adapters/clients';
import { DynamoTrackingStore } from './adapters/dynamoTrackingStore';
import { powertoolsLog } from './adapters/powertoolsLog';
import { PowertoolsMetricsSink } from './adapters/powertoolsMetricsSink';
import { S3ObjectStore } from './adapters/s3ObjectStore';
import { SfnOrchestrator } from './adapters/sfnOrchestrator';
import { type RuntimeConfig, readRuntimeConfig } from './runtimeConfig';
import type { BatchingDeps } from './services/deps';
import type { Log, MetricsSink } from './services/ports';

export interface DepsOverrides {
  config?: RuntimeConfig;
  clients?: AwsClients;
  metrics?: MetricsSink;
  log?: Log;
  now?: () => Date;
  /** Wraps the composed dependencies (the local runtime injects faults here). */
  decorate?: (deps: BatchingDeps) => BatchingDeps;
}

/** Kept back from a cancelled transaction's retries, for what the invocation still has to do after it. */
const RETRY_RESERVE_MS = 30_000;

/** Until when a cancelled transaction may be retried: most of the invocation's time, never all of it. */
function retryDeadline(remainingMs: number): number {
  return Date.now() + Math.max(remainingMs - RETRY_RESERVE_MS, remainingMs / 2);
}

/**
 * Composes the SDK adapters into the services' dependencies. Config, clients, logger and metrics are
 * built once per container (on first use, so importing a handler reads no environment); each invocation
 * gets its own lock-owner id and, given its remaining time, the time its transactions may spend retrying.
 */
export function createDepsFactory(overrides: DepsOverrides = {}): (owner: string, remainingMs?: number) => BatchingDeps {
  let shared: { config: RuntimeConfig; clients: AwsClients; metrics: MetricsSink; log: Log; now: () => Date } | undefined;
  return (owner, remainingMs) => {
    shared ??= {
      config: overrides.config ?? readRuntimeConfig(),
      clients: overrides.clients ?? createClients(),
      metrics: overrides.metrics ?? new PowertoolsMetricsSink(),
      log: overrides.log ?? powertoolsLog(),
      now: overrides.now ?? (() => new Date()),
    };
    const { config, clients, metrics, log, now } = shared;
    const deps: BatchingDeps = {
      config,
      tracking: new DynamoTrackingStore(clients.dynamo, {
        tableName: config.tableName,
        ttlDays: config.ttlDays,
        lockLeaseSeconds: config.lockLeaseSeconds,
        now,
        ...(remainingMs === undefined ? {} : { retryDeadline: retryDeadline(remainingMs) }),
      }),
      objects: new S3ObjectStore(clients.s3),
      orchestrator: new SfnOrchestrator(clients.sfn, config.stateMachineArn),
      metrics,
      log,
      now,
      owner,
    };
    return overrides.decorate ? overrides.decorate(deps) : deps;
  };
}
