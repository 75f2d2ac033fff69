import type { PipelineTarget } from '../../operator/target/pipelineTarget';
import { resolveTarget } from '../../operator/target/resolveTarget';
import { targetFailure } from '../../operator/target/targetFailure';
import type { TargetFlags } from '../../operator/target/targetFlags';

/**
 * Resolves the command's pipeline, runs the action, and always releases the SDK clients. Failures that
 * mean "the pipeline cannot be reached" become TargetErrors (exit 3) with a readable message.
 */
export async function withTarget(flags: TargetFlags, act: (target: PipelineTarget) => Promise<number>): Promise<number> {
  const target = await resolveTarget(flags);
  try {
    return await act(target);
  } catch (error) {
    throw targetFailure(error, target);
  } finally {
    target.close();
  }
}
