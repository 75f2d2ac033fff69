/**
 * A Glue failure is recorded as `States.TaskFailed: <JobRun JSON>` (the .sync integration's cause); a
 * person wants the job's ErrorMessage and run id out of it.
 */
export function readableError(recorded: string | null | undefined): string {
  if (!recorded) return 'no error message recorded';
  const match = /^([\w.]+): (\{.*\})$/s.exec(recorded);
  if (!match) return recorded;
  try {
    const cause = JSON.parse(match[2] as string) as { ErrorMessage?: unknown; Id?: unknown };
    return typeof cause.ErrorMessage === 'string' ? `${match[1]}: ${cause.ErrorMessage} (job run ${String(cause.Id)})` : recorded;
  } catch {
    // Not JSON after all: the recorded text is the most precise thing to show.
    return recorded;
  }
}
