// Reads the JSON report of one `vitest run` over several projects and prints each project's share:
// tests, failures and the summed time of its files. The projects run side by side on the same workers, so
// a project's time here is its files' own durations, not wall time (test.sh gives the wall time).
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const [reportPath] = process.argv.slice(2);
const report = JSON.parse(readFileSync(reportPath, 'utf8'));
const parts = new Map();
for (const file of report.testResults ?? []) {
  const project = relative(process.cwd(), file.name).split('/')[1] ?? '?';
  const part = parts.get(project) ?? { tests: 0, failed: 0, ms: 0 };
  part.tests += file.assertionResults.length;
  part.failed += file.assertionResults.filter((t) => t.status === 'failed').length;
  part.ms += Math.max(0, (file.endTime ?? 0) - (file.startTime ?? 0));
  parts.set(project, part);
}
const line = [...parts]
  .map(([project, p]) => `${project} ${(p.ms / 1000).toFixed(1)}s ${p.tests} tests${p.failed ? ` (${p.failed} failed)` : ''}`)
  .join(', ');
process.stdout.write(line);
