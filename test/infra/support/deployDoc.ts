import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { StackRun } from './pulumiHarness';
import { REPO_ROOT } from './stackConfigs';

/**
 * The "What gets created" table of docs/deploy.md, read so that a test holds its counts to what the program
 * registers: the counts are quoted to operators (what a `pulumi up` will create), and went stale once.
 */

/** Row of the table -> the components whose AWS resources it counts (the last segment of the type). */
const COMPONENTS_OF_ROW: Record<string, string[]> = {
  Storage: ['Storage', 'SecureBucket'],
  'S3 events': ['S3Events'],
  'Ingest stream': ['IngestStream'],
  'Tracking table': ['TrackingTable'],
  Batcher: ['Batcher'],
  Sweeper: ['Sweeper'],
  'Generator (dev only)': ['Generator'],
  Orchestration: ['Orchestration'],
  'Glue job': ['GlueJob'],
  Catalog: ['Catalog'],
  Observability: ['Observability'],
};

const TOTAL_ROW = '**Total AWS resources**';

export interface DocumentedCounts {
  /** Per row: the dev and prod figures. */
  rows: Record<string, { dev: number; prod: number }>;
  total: { dev: number; prod: number };
}

export class DeployDocError extends Error {
  override readonly name = 'DeployDocError';
}

function firstNumber(cell: string, what: string): number {
  const match = /\d+/.exec(cell);
  if (!match) throw new DeployDocError(`docs/deploy.md: no number in the ${what} cell "${cell}"`);
  return Number(match[0]);
}

export function documentedCounts(): DocumentedCounts {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'deploy.md'), 'utf8');
  const section = doc.split('## What gets created')[1]?.split('\n\n')[1];
  if (!section) throw new DeployDocError('docs/deploy.md has no "What gets created" table');
  const cells = section
    .split('\n')
    .slice(2)
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  const rows: DocumentedCounts['rows'] = {};
  let total: DocumentedCounts['total'] | undefined;
  for (const [concern = '', , dev = '', prod = ''] of cells) {
    if (concern === TOTAL_ROW) {
      total = { dev: firstNumber(dev, 'dev total'), prod: firstNumber(prod, 'prod total') };
    } else {
      rows[concern] = { dev: firstNumber(dev, `${concern} dev`), prod: firstNumber(prod, `${concern} prod`) };
    }
  }
  if (!total) throw new DeployDocError('docs/deploy.md: the table has no total row');
  return { rows, total };
}

/** What the recorded deployment has, in the table's rows; a component no row names is a row of its own. */
export function countedByRow(run: StackRun): Record<string, number> {
  const rowOf = new Map(Object.entries(COMPONENTS_OF_ROW).flatMap(([row, components]) => components.map((c) => [c, row] as const)));
  const counts: Record<string, number> = Object.fromEntries(Object.keys(COMPONENTS_OF_ROW).map((row) => [row, 0]));
  for (const resource of run.resources.filter((r) => r.custom)) {
    const component = resource.parent?.type.split(':').at(-1) ?? 'no component';
    const row = rowOf.get(component) ?? component;
    counts[row] = (counts[row] ?? 0) + 1;
  }
  return counts;
}
