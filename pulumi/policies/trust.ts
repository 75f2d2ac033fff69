import type { PolicyDocument } from './document';

/**
 * Trust (assume-role) policies. Where the service passes it, `aws:SourceAccount` pins the role to this
 * account (confused-deputy protection).
 */
export function assumeRolePolicy(service: string, sourceAccount?: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AssumeByService',
        Effect: 'Allow',
        Principal: { Service: service },
        Action: ['sts:AssumeRole'],
        ...(sourceAccount ? { Condition: { StringEquals: { 'aws:SourceAccount': sourceAccount } } } : {}),
      },
    ],
  };
}
