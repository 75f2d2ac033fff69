import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as pulumi from '@pulumi/pulumi';

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

/**
 * Files of the Glue job, uploaded under `glue/` of the scripts bucket. A `.py` or `.jar` file is uploaded
 * as is; a directory is a Python package, uploaded as `<name>.zip` holding `<name>/...` with every .py file
 * (the layout Glue's --extra-py-files wants). Add an entry here to ship another module or package.
 */
export interface GlueArtifact {
  /** Path under glue/ in the repository, or under build/ for a built artifact. */
  path: string;
  /** `script` is the job's entry point; `extra-py-files` go to --extra-py-files, `extra-jars` to --extra-jars. */
  kind: 'script' | 'extra-py-files' | 'extra-jars';
  /** Made by `npm run setup` (the job's JVM parser, built from glue/jvm by scripts/build-jar.sh). */
  built?: boolean;
}

export const GLUE_ARTIFACTS: readonly GlueArtifact[] = Object.freeze([
  { path: 'ndjson_to_parquet.py', kind: 'script' },
  { path: 'ndjson_parquet', kind: 'extra-py-files' },
  { path: 'ndjson-parquet-glue.jar', kind: 'extra-jars', built: true },
]);

export const GLUE_DIR = path.join(REPO_ROOT, 'glue');
export const BUILD_DIR = path.join(REPO_ROOT, 'build');

/** The Python modules the job needs newer than Glue 5.0 provides: the one source of the pins (see its header). */
export const GLUE_REQUIREMENTS = path.join(GLUE_DIR, 'requirements.txt');

export class GlueRequirementsError extends Error {
  override readonly name = 'GlueRequirementsError';
}

/**
 * glue/requirements.txt as the job's `--additional-python-modules` value (`boto3==X,botocore==Y`): Glue
 * pip-installs these over the modules it provides at the start of every run.
 */
export function glueAdditionalPythonModules(text = readFileSync(GLUE_REQUIREMENTS, 'utf8')): string {
  const pins = text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line.length > 0);
  for (const pin of pins) {
    if (!/^[A-Za-z0-9._-]+==[A-Za-z0-9.+!-]+$/.test(pin))
      throw new GlueRequirementsError(`glue/requirements.txt: "${pin}" is not an exact pin (name==version)`);
  }
  if (pins.length === 0) throw new GlueRequirementsError('glue/requirements.txt pins nothing');
  return pins.join(',');
}

/** Where an artifact is on disk. */
export function glueArtifactLocation(artifact: GlueArtifact): string {
  return path.join(artifact.built ? BUILD_DIR : GLUE_DIR, artifact.path);
}

export class MissingArtifactError extends Error {
  override readonly name = 'MissingArtifactError';
}

function isPackage(artifact: GlueArtifact): boolean {
  return !/\.(py|zip|jar)$/.test(artifact.path);
}

/** The object key of an artifact in the scripts bucket (relative to the scripts prefix). */
export function glueArtifactFileName(artifact: GlueArtifact): string {
  return isPackage(artifact) ? `${artifact.path}.zip` : artifact.path;
}

/** The .py files of a package directory, sorted, relative to glue/ (caches and other files left out). */
export function packageFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(GLUE_DIR, relative), { withFileTypes: true })) {
      const child = path.posix.join(relative, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '__pycache__' && !entry.name.startsWith('.')) walk(child);
      } else if (entry.isFile() && entry.name.endsWith('.py')) {
        files.push(child);
      }
    }
  };
  walk(dir);
  return files.sort();
}

/** The upload source of one Glue artifact; refuses, naming the path, when it is not in the repository. */
export function glueArtifactSource(artifact: GlueArtifact): pulumi.asset.Asset | pulumi.asset.Archive {
  const location = glueArtifactLocation(artifact);
  if (!existsSync(location) && artifact.built) {
    throw new MissingArtifactError(
      `Glue ${artifact.kind} build/${artifact.path} has not been built: run \`npm run setup\` before \`pulumi up\``,
    );
  }
  if (!existsSync(location)) {
    throw new MissingArtifactError(
      `Glue ${artifact.kind} glue/${artifact.path} does not exist (listed in GLUE_ARTIFACTS, pulumi/assets.ts)`,
    );
  }
  if (!isPackage(artifact)) return new pulumi.asset.FileAsset(location);
  if (!statSync(location).isDirectory()) throw new MissingArtifactError(`glue/${artifact.path} is not a package directory`);
  const files = packageFiles(artifact.path);
  if (files.length === 0) throw new MissingArtifactError(`glue/${artifact.path} holds no .py files`);
  return new pulumi.asset.AssetArchive(
    Object.fromEntries(files.map((file) => [file, new pulumi.asset.FileAsset(path.join(GLUE_DIR, file))])),
  );
}
