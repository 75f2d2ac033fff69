/** How numbers read in tables: bytes in binary units, ages and durations in the largest sensible unit. */

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '-';
  if (Math.abs(bytes) < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '-';
  const s = Math.abs(seconds);
  const sign = seconds < 0 ? '-' : '';
  if (s < 60) return `${sign}${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  if (s < 3600) return `${sign}${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  if (s < 86_400) return `${sign}${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
  return `${sign}${Math.floor(s / 86_400)} d ${Math.round((s % 86_400) / 3600)} h`;
}

export function formatNumber(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function formatCounts(counts: Record<string, number>): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/**
 * Dollars: cents from $1 up, four decimals below (a one-minute Flex run on two G.1X workers is about $0.01).
 * An estimate (run time × capacity, not Glue's own figure) reads `~$0.0097`.
 */
export function formatUsd(usd: number | null | undefined, estimated = false): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return '-';
  return `${estimated ? '~' : ''}$${usd.toFixed(Math.abs(usd) >= 1 ? 2 : 4)}`;
}

/** A Glue run's capacity, `G.1X×2 flex`: worker type, workers, and the execution class when it is not standard. */
export function formatCapacity(run: { workerType: string | null; numberOfWorkers: number | null; executionClass: string | null }): string {
  if (!run.workerType) return '-';
  return `${run.workerType}×${run.numberOfWorkers ?? '?'}${run.executionClass === 'FLEX' ? ' flex' : ''}`;
}
