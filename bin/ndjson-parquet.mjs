#!/usr/bin/env node
// Entry point of the `ndjson-parquet` command. It may start under an old system Node (20 on these machines),
// but the local runtime needs Node >= 22 (aws-local-stepfunctions uses Promise.withResolvers): an older
// Node re-runs this script with the Node 24 that `npm ci` installs at node_modules/.bin/node (one package
// per platform in optionalDependencies; npm installs the one that fits), found relative to this file so it
// works from any working directory. A Node >= 22 runs it directly. The TypeScript CLI then runs in this
// same process through tsx's loader: no build step, nothing to keep in sync.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);

if (major < 22) {
  const node = join(root, 'node_modules', '.bin', 'node');
  if (!existsSync(node)) {
    process.stderr.write(
      `ndjson-parquet needs Node >= 22 (this is ${process.versions.node}) and ${node} is missing: run \`sh scripts/setup.sh\` first; ` +
        `if npm has no Node package for ${process.platform}-${process.arch} (optionalDependencies in package.json), install Node >= 22\n`,
    );
    process.exit(1);
  }
  const child = spawnSync(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (child.error) {
    process.stderr.write(`could not start ${node}: ${child.error.message}\n`);
    process.exit(1);
  }
  process.exit(child.status ?? (child.signal ? 128 : 1));
}

const { register } = await import(pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'esm', 'api', 'index.mjs')).href);
register();
await import(pathToFileURL(join(root, 'cli', 'main.ts')).href);
