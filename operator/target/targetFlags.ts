/** How a command names its pipeline; every operator command takes the same flags. */
export interface TargetFlags {
  stack?: string;
  outputs?: string;
  local?: string | true;
  endpoint?: string;
  region?: string;
  table?: string;
  inputBucket?: string;
  inputPrefix?: string;
  quarantineBucket?: string;
  manifestBucket?: string;
  outputBucket?: string;
  stateMachineArn?: string;
}
