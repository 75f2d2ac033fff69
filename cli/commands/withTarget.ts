import { resolveTarget } from '../target/resolveTarget';
import type { PipelineTarget } from '../target/pipelineTarget';
import { targetFailure } from '../target/targetFailure';
import type { TargetFlags } from '../target/targetFlags';

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

/** Writes one JSON document (the whole of stdout with --json). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
