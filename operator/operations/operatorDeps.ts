import { MemoryMetricsSink } from '../../handlers/adapters/memoryMetricsSink';
import { createDepsFactory } from '../../handlers/batchingDeps';
import { silentLog } from '../../handlers/services/deps';
import type { PipelineTarget } from '../target/pipelineTarget';

/**
 * The batcher's own dependencies for an operator command that acts as the batcher does (flush, reconcile
 * --apply): the target's clients and config, metrics kept in memory (the command reports its own counts,
 * and publishing from a laptop would double the pipeline's), no log.
 */
export function operatorDepsFactory(target: PipelineTarget, now: () => Date): ReturnType<typeof createDepsFactory> {
  return createDepsFactory({ config: target.config, clients: target.clients, metrics: new MemoryMetricsSink(), log: silentLog, now });
}
