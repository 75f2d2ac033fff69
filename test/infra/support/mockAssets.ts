import * as pulumi from '@pulumi/pulumi';

/**
 * Stand-in for pulumi/assets.ts in the stack mock tests: no esbuild run and no file reads, so the stack
 * tests check wiring only. Real bundling and the Glue files are tested in test/infra/assets.test.ts.
 */
export async function mockAssetsModule(importOriginal: () => Promise<typeof import('../../../pulumi/assets')>) {
  const actual = await importOriginal();
  return {
    ...actual,
    lambdaCode: (name: string) => pulumi.output(new pulumi.asset.AssetArchive({ 'index.mjs': new pulumi.asset.StringAsset(`// ${name}`) })),
    glueArtifactSource: (artifact: { path: string }) => new pulumi.asset.StringAsset(`# glue/${artifact.path}`),
  };
}
