import { join, resolve } from 'node:path';
import type { KeyEncoding } from '../../handlers/domain/eventKeys';
import type { BatchingSettings } from '../../handlers/runtimeConfig';
import { PROJECT_ROOT } from '../../local/projectRoot';
import type { LocalRuntimeOptions } from '../../local/runtime';
import type { Pace, UploadSources } from '../../local/uploadSources';
import type { PaceFlags } from './paceOptions';

/** The flags of `ndjson-parquet local`, as commander parses them. */
export interface LocalFlags extends PaceFlags {
  generate?: number;
  dates: number;
  records: number;
  input?: string;
  prefix?: string;
  seed?: string;
  flush: boolean;
  out?: string;
  json: boolean;
  timeout: number;
  duplicates?: number;
  concurrency?: number;
  reorder: boolean;
  chaos?: number;
  overwrite?: number;
  throttle: 'aws' | 'off';
  throttleScale?: number;
  maxBatchFiles?: number;
  lockLease?: number;
  batchingWindow?: number;
  sweepInterval: number;
  runDir?: string;
  serve: boolean;
  port: number;
  endpointFile?: string;
  failGlueFor?: string[];
  redrive?: number;
  refresh: number;
  /** false with --no-iam: components call the emulator without IAM checks (debugging only). */
  iam: boolean;
  keyEncoding: KeyEncoding;
  dropEvents?: number;
  stackFile?: string;
}

/** What a run and a served pipeline both take from the flags: the pipeline's settings and what to upload. */
export interface LocalSettings {
  runtime: LocalRuntimeOptions;
  sources: UploadSources;
  pace: Pace;
}

/** `stamp` names the default run directory, `.local/runs/<stamp>`. */
export function localSettings(flags: LocalFlags, stamp: string): LocalSettings {
  const thresholds: Partial<BatchingSettings> = {
    ...(flags.maxBatchFiles !== undefined ? { maxBatchFiles: flags.maxBatchFiles } : {}),
    ...(flags.lockLease !== undefined ? { lockLeaseSeconds: flags.lockLease } : {}),
  };
  return {
    runtime: {
      runDir: resolve(flags.runDir ?? join(PROJECT_ROOT, '.local', 'runs', stamp)),
      ...(flags.stackFile !== undefined ? { stackFile: resolve(flags.stackFile) } : {}),
      ...(Object.keys(thresholds).length > 0 ? { thresholds } : {}),
      ...(flags.batchingWindow !== undefined ? { batchingWindowMs: flags.batchingWindow * 1000 } : {}),
      ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}),
      ...(flags.duplicates !== undefined ? { duplicates: flags.duplicates } : {}),
      reorder: flags.reorder,
      ...(flags.chaos !== undefined ? { chaosRate: flags.chaos } : {}),
      ...(flags.throttle === 'aws' ? { throttle: { scale: flags.throttleScale ?? 1 } } : {}),
      ...(flags.failGlueFor ? { failGlueForDates: flags.failGlueFor } : {}),
      sweepIntervalMs: flags.sweepInterval * 1000,
      ...(flags.iam === false ? { iam: { enforced: false } } : {}),
      keyEncoding: flags.keyEncoding,
      ...(flags.dropEvents ? { dropEventsRate: flags.dropEvents } : {}),
    },
    sources: {
      ...(flags.generate !== undefined
        ? {
            generate: {
              files: flags.generate,
              dates: flags.dates,
              recordsPerFile: flags.records,
              ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
            },
          }
        : {}),
      ...(flags.input !== undefined ? { inputDir: resolve(flags.input) } : {}),
    },
    pace: { rate: flags.rate, ...(flags.delay !== undefined ? { delaySeconds: flags.delay } : {}) },
  };
}
