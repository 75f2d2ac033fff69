import type { PolicyDocument } from './document';

/** Key administration, delegated to the account's IAM policies (explicit list instead of kms:*). */
export const KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
];

/** Using the key for SNS messages (publishing encrypts with a data key; delivery decrypts). */
export const KEY_USE_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'];

/**
 * Key policy of the alarm topic's customer-managed key. CloudWatch alarms cannot publish to a topic
 * encrypted with the AWS-managed aws/sns key, so the topic gets its own key whose policy lets the
 * CloudWatch service principal use it (AWS documents no source condition for this call; the topic's own
 * policy already limits publishers to this account). In a key policy, Resource "*" means
 * "this key"; it is the only form AWS accepts.
 */
export function alarmTopicKeyPolicy(input: { partition: string; accountId: string }): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AccountAdministersAndUsesKeyViaIam',
        Effect: 'Allow',
        Principal: { AWS: `arn:${input.partition}:iam::${input.accountId}:root` },
        Action: [...KEY_ADMIN_ACTIONS, ...KEY_USE_ACTIONS],
        Resource: ['*'],
      },
      {
        Sid: 'CloudWatchAlarmsPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: KEY_USE_ACTIONS,
        Resource: ['*'],
      },
    ],
  };
}
