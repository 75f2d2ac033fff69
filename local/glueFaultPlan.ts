import type { GlueRunFault } from './glueRunner';

/**
 * A deterministic Glue failure for operator drills and tests: every manifest of the given dates fails its
 * first ATTEMPTS Glue runs, i.e. the execution's run and the one retry the ASL allows for
 * States.TaskFailed, so the manifest ends `failed`; the next run (a redrive) succeeds. The fault is the
 * worker's own (`fail_after_files: 1`): the run dies after committing its first Parquet file, so a redrive
 * must replace that file rather than add to it.
 */

export const FAILING_ATTEMPTS = 2;

export function failUntilRedriven(
  dates: readonly string[],
  attempts = FAILING_ATTEMPTS,
): (runArguments: Record<string, string>) => GlueRunFault | undefined {
  const runs = new Map<string, number>();
  return (runArguments) => {
    const date = runArguments['--date_prefix'];
    const manifest = runArguments['--manifest_id'];
    if (!date || !manifest || !dates.includes(date)) return undefined;
    const attempt = (runs.get(manifest) ?? 0) + 1;
    runs.set(manifest, attempt);
    return attempt <= attempts ? { fail_after_files: 1 } : undefined;
  };
}
