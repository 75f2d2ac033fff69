#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
/**
 * Bundles the Lambda handlers with esbuild into dist/lambda/<name>/index.mjs (+ index.mjs.map).
 *
 *   node scripts/build-lambdas.mjs              # every entry
 *   node scripts/build-lambdas.mjs batcher      # some entries
 *   node scripts/build-lambdas.mjs --outdir /tmp/lambda
 *
 * This file is the one definition of how a Lambda is built: `npm run build` runs it, and the Pulumi stack
 * (pulumi/lambda/bundle.ts) imports `buildLambda` from it, so `pulumi up` bundles the same way with no
 * extra step.
 *
 * Choices:
 * - ES module output (`.mjs`, handler `index.handler`): the sources are ESM (package.json "type": "module")
 *   and Lambda's nodejs22.x/24.x runtimes load .mjs natively. A few CommonJS dependencies call
 *   `require()` for Node built-ins, which ESM output cannot do by itself, so the banner defines `require`
 *   with `createRequire`.
 * - The AWS SDK v3 is bundled, not marked external: the SDK in the Lambda runtime is whatever version AWS
 *   ships that month, while package-lock.json pins the version our tests ran against (including
 *   `@smithy/node-http-handler`, which the runtime does not guarantee). Tree-shaking keeps each bundle
 *   small (a few hundred KiB), and a pinned bundle makes a deployment reproducible.
 * - Minified with names kept (typed errors are matched by `name`), with a linked source map; the stack
 *   sets NODE_OPTIONS=--enable-source-maps so stack traces point at the TypeScript.
 */
import { build } from 'esbuild';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_OUTDIR = path.join(ROOT, 'dist', 'lambda');

/** Lambda name -> entry file (relative to the repository root). Each entry exports `handler`. */
export const LAMBDA_ENTRIES = Object.freeze({
  batcher: 'handlers/batcher.ts',
  sweeper: 'handlers/sweeper.ts',
  generator: 'handlers/generator.ts',
});

export const BUNDLE_FILE = 'index.mjs';
export const HANDLER = 'index.handler';
export const NODE_TARGET = 'node22';

export class MissingEntryError extends Error {
  constructor(name, entry) {
    super(`Lambda "${name}": entry ${entry} does not exist (expected a module exporting \`handler\`)`);
    this.name = 'MissingEntryError';
  }
}

/** esbuild options for one Lambda; exported so tests can assert on them. */
export function lambdaBuildOptions(name, outdir = DEFAULT_OUTDIR) {
  const entry = LAMBDA_ENTRIES[name];
  if (!entry) throw new Error(`unknown Lambda "${name}"; known: ${Object.keys(LAMBDA_ENTRIES).join(', ')}`);
  return {
    absWorkingDir: ROOT,
    entryPoints: [path.join(ROOT, entry)],
    outfile: path.join(outdir, name, BUNDLE_FILE),
    bundle: true,
    platform: 'node',
    target: NODE_TARGET,
    format: 'esm',
    mainFields: ['module', 'main'],
    conditions: ['module', 'import', 'node'],
    minify: true,
    keepNames: true,
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
    banner: {
      js: "import { createRequire as __ndjsonCreateRequire } from 'node:module'; const require = __ndjsonCreateRequire(import.meta.url);",
    },
  };
}

/**
 * Builds one Lambda into `<outdir>/<name>/`. Returns the bundle directory, the handler string and the
 * bundle size; throws MissingEntryError when the entry file is not there.
 */
export async function buildLambda(name, { outdir = DEFAULT_OUTDIR } = {}) {
  const options = lambdaBuildOptions(name, outdir);
  const entry = LAMBDA_ENTRIES[name];
  if (!existsSync(path.join(ROOT, entry))) throw new MissingEntryError(name, entry);
  const dir = path.join(outdir, name);
  await rm(dir, { recursive: true, force: true });
  const result = await build(options);
  const output = result.metafile.outputs[path.relative(ROOT, options.outfile).split(path.sep).join('/')];
  return { name, dir, file: options.outfile, handler: HANDLER, bytes: output?.bytes ?? 0 };
}

/** Entries (of `names`) whose file is missing. */
export function missingEntries(names = Object.keys(LAMBDA_ENTRIES)) {
  return names.filter((name) => LAMBDA_ENTRIES[name] && !existsSync(path.join(ROOT, LAMBDA_ENTRIES[name])));
}

/** Builds every named Lambda; refuses up front, naming every missing entry, rather than half-building. */
export async function buildLambdas(names = Object.keys(LAMBDA_ENTRIES), options = {}) {
  const missing = missingEntries(names);
  if (missing.length > 0) {
    throw new Error(missing.map((name) => new MissingEntryError(name, LAMBDA_ENTRIES[name]).message).join('\n'));
  }
  const results = [];
  for (const name of names) results.push(await buildLambda(name, options));
  return results;
}

function parseArguments(argv) {
  const { values, positionals } = parseArgs({ args: argv, options: { outdir: { type: 'string' } }, allowPositionals: true });
  return {
    names: positionals.length > 0 ? positionals : Object.keys(LAMBDA_ENTRIES),
    outdir: values.outdir ? path.resolve(values.outdir) : DEFAULT_OUTDIR,
  };
}

const invokedDirectly = process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  try {
    const { names, outdir } = parseArguments(process.argv.slice(2));
    for (const result of await buildLambdas(names, { outdir })) {
      console.log(`built ${result.name}: ${path.relative(ROOT, result.file)} (${(result.bytes / 1024).toFixed(0)} KiB)`);
    }
  } catch (error) {
    console.error(`build-lambdas: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
