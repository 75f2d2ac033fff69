/** What `pulumi stack output --json` prints for a dev stack named `np-dev` (the keys pulumi/index.ts exports). */
export const DEV_STACK_OUTPUTS = {
  tableName: 'np-dev-tracking',
  inputBucketName: 'np-dev-input',
  inputPrefix: 'pipeline/input/',
  quarantineBucketName: 'np-dev-quarantine',
  manifestBucketName: 'np-dev-manifest',
  outputBucketName: 'np-dev-output',
  stateMachineArn: 'arn:aws:states:us-east-1:111122223333:stateMachine:np-dev',
  dashboardUrl: 'https://us-east-1.console.aws.amazon.com/cloudwatch/home#dashboards/dashboard/np-dev',
};
