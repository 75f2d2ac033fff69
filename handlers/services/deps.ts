import type { RuntimeConfig } from '../runtimeConfig';
import type { Log, MetricsSink, ObjectStore, Orchestrator, TrackingStore } from './ports';

/** Everything the batching services use, passed in so the same code runs on AWS, locally and in tests. */
export interface BatchingDeps {
  config: RuntimeConfig;
  tracking: TrackingStore;
  objects: ObjectStore;
  orchestrator: Orchestrator;
  metrics: MetricsSink;
  log: Log;
  now: () => Date;
  /** Identifies this worker as a lock owner (request id). */
  owner: string;
}

export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };
