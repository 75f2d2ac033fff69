import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const ARCHITECTURE = join(ROOT, 'docs/architecture.md');

/** The `folder-graph` block of docs/architecture.md: each layer and the layers it may import. */
function declaredGraph(): Map<string, Set<string>> {
  const doc = readFileSync(ARCHITECTURE, 'utf8');
  const block = /```folder-graph\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error('docs/architecture.md has no ```folder-graph block');
  const graph = new Map<string, Set<string>>();
  for (const line of block.split('\n').filter((l) => l.trim())) {
    const [layer, targets = ''] = line.split('->').map((part) => part.trim());
    graph.set(layer!, new Set(targets.split(/\s+/).filter(Boolean)));
  }
  return graph;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|mts|mjs)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

const IMPORT =
  /(?:^|[^.\w])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

/** Top-level folder of a relative import, or undefined for packages and node: built-ins. */
function layerOf(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  return relative(ROOT, resolve(dirname(file), specifier)).split('/')[0];
}

function actualGraph(layers: Iterable<string>): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const layer of layers) {
    const arrows = new Map<string, string[]>();
    for (const file of sourceFiles(layer)) {
      for (const specifier of importsOf(file)) {
        const target = layerOf(file, specifier);
        if (!target || target === layer) continue;
        arrows.set(target, [...(arrows.get(target) ?? []), `${relative(ROOT, file)} imports ${specifier}`]);
      }
    }
    graph.set(layer, arrows);
  }
  return graph;
}

describe('the folder graph of docs/architecture.md', () => {
  const declared = declaredGraph();
  const actual = actualGraph(declared.keys());

  it('allows every import the code makes between layers', () => {
    const forbidden = [...actual].flatMap(([layer, arrows]) =>
      [...arrows].filter(([target]) => !declared.get(layer)!.has(target)).flatMap(([, sites]) => sites),
    );
    expect(forbidden).toEqual([]);
  });

  it('names only arrows the code uses, so the picture stays true', () => {
    const unused = [...declared].flatMap(([layer, targets]) =>
      [...targets].filter((target) => !actual.get(layer)!.has(target)).map((target) => `${layer} -> ${target}`),
    );
    expect(unused).toEqual([]);
  });

  it('has no cycle', () => {
    const visiting = new Set<string>();
    const done = new Set<string>();
    const cycles: string[] = [];
    const visit = (layer: string, path: string[]) => {
      if (done.has(layer)) return;
      if (visiting.has(layer)) {
        cycles.push([...path, layer].join(' -> '));
        return;
      }
      visiting.add(layer);
      for (const target of declared.get(layer) ?? []) visit(target, [...path, layer]);
      visiting.delete(layer);
      done.add(layer);
    };
    for (const layer of declared.keys()) visit(layer, []);
    expect(cycles).toEqual([]);
  });

  it('covers every top-level folder of TypeScript source except test/, scripts/, build output and the bin/ launcher', () => {
    const folders = readdirSync(ROOT, { withFileTypes: true })
      .filter(
        (entry) =>
          entry.isDirectory() &&
          !entry.name.startsWith('.') &&
          !['node_modules', 'test', 'scripts', 'build', 'dist', 'bin'].includes(entry.name),
      )
      .map((entry) => entry.name)
      .filter((name) => sourceFiles(name).length > 0);
    expect(folders.sort()).toEqual([...declared.keys()].sort());
  });

  it('lets local/ import from pulumi/ only its pure policy builders, which import only contracts/', () => {
    const outside = sourceFiles('local').flatMap((file) =>
      importsOf(file)
        .filter(
          (specifier) =>
            layerOf(file, specifier) === 'pulumi' && !resolve(dirname(file), specifier).startsWith(join(ROOT, 'pulumi/policies')),
        )
        .map((specifier) => `${relative(ROOT, file)} imports ${specifier}`),
    );
    const pure = [join(ROOT, 'pulumi/policies'), join(ROOT, 'contracts')];
    const impure = sourceFiles('pulumi/policies').flatMap((file) =>
      importsOf(file)
        .filter((specifier) => !specifier.startsWith('.') || !pure.some((dir) => resolve(dirname(file), specifier).startsWith(dir)))
        .map((specifier) => `${relative(ROOT, file)} imports ${specifier}`),
    );
    expect([...outside, ...impure]).toEqual([]);
  });

  it('keeps handlers/domain free of the AWS SDK and of the other handler folders', () => {
    const leaks = sourceFiles('handlers/domain').flatMap((file) =>
      importsOf(file)
        .filter(
          (specifier) =>
            specifier.startsWith('@aws-sdk/') ||
            (specifier.startsWith('.') &&
              !resolve(dirname(file), specifier).startsWith(join(ROOT, 'handlers/domain')) &&
              layerOf(file, specifier) === 'handlers'),
        )
        .map((specifier) => `${relative(ROOT, file)} imports ${specifier}`),
    );
    expect(leaks).toEqual([]);
  });
});
