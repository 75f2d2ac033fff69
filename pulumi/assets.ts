import * as pulumi from '@pulumi/pulumi';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Everything the stack uploads from this repository: Lambda bundles (built by scripts/build-lambdas.mjs,
 * the one definition of how a handler is bundled) and the Glue job's files. Kept in one module so the
 * infra mock tests can replace it and test bundling on its own (test/infra/assets.test.ts).
 */

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export type LambdaName = 'batcher' | 'sweeper' | 'generator';

/** The handler string of every bundle: `index.mjs` exporting `handler`. */
export const LAMBDA_HANDLER = 'index.handler';

interface BuildLambdasModule {
  buildLambda(name: string, options?: { outdir?: string }): Promise<{ dir: string; handler: string; bytes: number }>;
  LAMBDA_ENTRIES: Readonly<Record<string, string>>;
}

export const BUILD_SCRIPT = path.join(REPO_ROOT, 'scripts', 'build-lambdas.mjs');

export async function loadBuildScript(): Promise<BuildLambdasModule> {
  // A computed specifier keeps TypeScript from type-checking the plain .mjs script.
  const specifier: string = pathToFileURL(BUILD_SCRIPT).href;
  return (await import(specifier)) as BuildLambdasModule;
}

/** The Lambda's code: bundled with esbuild when the program runs, so `pulumi up` needs no build step. */
export function lambdaCode(name: LambdaName): pulumi.Output<pulumi.asset.Archive> {
  const built = loadBuildScript().then(async (script) => {
    const result = await script.buildLambda(name);
    if (result.handler !== LAMBDA_HANDLER) throw new Error(`unexpected handler ${result.handler} for ${name}`);
    return new pulumi.asset.FileArchive(result.dir) as pulumi.asset.Archive;
  });
  return pulumi.output(built);
}

/** Files of the Glue job, uploaded under `glue/` of the scripts bucket. Add a zip here to ship a package. */
export interface GlueArtifact {
  /** Path under glue/ in the repository (also the key under glue/ in the scripts bucket). */
  file: string;
  /** `script` is the job's entry point; `extra-py-files` go to --extra-py-files (zip or .py). */
  kind: 'script' | 'extra-py-files';
}

export const GLUE_ARTIFACTS: readonly GlueArtifact[] = Object.freeze([
  { file: 'ndjson_to_parquet.py', kind: 'script' },
]);

export class MissingArtifactError extends Error {
  override readonly name = 'MissingArtifactError';
}

/** The FileAsset of one Glue artifact; refuses, naming the file, when it is not in the repository. */
export function glueArtifactAsset(artifact: GlueArtifact): pulumi.asset.Asset {
  const file = path.join(REPO_ROOT, 'glue', artifact.file);
  if (!existsSync(file)) {
    throw new MissingArtifactError(`Glue ${artifact.kind} glue/${artifact.file} does not exist (listed in GLUE_ARTIFACTS, pulumi/assets.ts)`);
  }
  return new pulumi.asset.FileAsset(file);
}
