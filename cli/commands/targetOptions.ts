import { type Command, Option } from 'commander';

export const TARGET_HELP = `
Which pipeline (one of):
  --stack dev|prod        a deployed stack: names from \`pulumi stack output --json\`, thresholds from Pulumi.<stack>.yaml,
                          default AWS credentials and region
  --outputs FILE          a deployed stack whose outputs were saved with \`pulumi stack output --json > FILE\`
                          (thresholds from --stack, default dev)
  --local [DIR]           the pipeline of a running \`local --serve\` (its DIR/endpoint.json; default .local/serve)
  --endpoint URL          an AWS emulator at URL holding the local resources (names as \`local\` creates them)
  --table, --input-bucket, ...  name resources explicitly (override any of the above)`;

export function addTargetOptions(command: Command): Command {
  return command
    .option('--stack <stack>', 'deployed stack (dev|prod)')
    .option('--outputs <file>', 'stack outputs JSON (`pulumi stack output --json`)')
    .option('--local [dir]', 'running `local --serve` pipeline (dir holding endpoint.json, default .local/serve)')
    .option('--endpoint <url>', 'AWS emulator endpoint holding the local resources')
    .option('--region <region>', 'AWS region (default: AWS_REGION, then the stack config)')
    .addOption(new Option('--table <name>', 'tracking table name').hideHelp())
    .addOption(new Option('--input-bucket <name>', 'input bucket').hideHelp())
    .addOption(new Option('--input-prefix <prefix>', 'input key prefix').hideHelp())
    .addOption(new Option('--quarantine-bucket <name>', 'quarantine bucket').hideHelp())
    .addOption(new Option('--manifest-bucket <name>', 'manifest bucket (manifests and reports)').hideHelp())
    .addOption(new Option('--output-bucket <name>', 'output bucket (Parquet and rejects)').hideHelp())
    .addOption(new Option('--state-machine-arn <arn>', 'per-manifest state machine').hideHelp());
}
