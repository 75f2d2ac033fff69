import type { AwsCredentialIdentity } from '@smithy/types';
import { LOCAL_ROLES, type LocalRole } from './roles';

/**
 * Who is calling. Each component signs with credentials whose access key id names its role; the proxy
 * reads it back from the SigV4 `Credential=<key id>/<date>/<region>/<service>/aws4_request` scope. The
 * setup key (resource creation, producers' uploads, test fixtures, operator commands) is not a role and
 * passes unchecked.
 */

const ROLE_KEY_PREFIX = 'LOCALIAM';
export const ADMIN_CREDENTIALS: AwsCredentialIdentity = { accessKeyId: 'testing', secretAccessKey: 'testing', sessionToken: 'testing' };

export function roleCredentials(role: LocalRole): AwsCredentialIdentity {
  return { accessKeyId: `${ROLE_KEY_PREFIX}${role}`, secretAccessKey: 'testing', sessionToken: `local-${role}` };
}

export function roleOfAccessKey(accessKeyId: string): LocalRole | undefined {
  if (!accessKeyId.startsWith(ROLE_KEY_PREFIX)) return undefined;
  const role = accessKeyId.slice(ROLE_KEY_PREFIX.length);
  return (LOCAL_ROLES as readonly string[]).includes(role) ? (role as LocalRole) : undefined;
}

/** The environment of a subprocess that calls AWS as `role` (the Glue job's boto3) through `endpoint`. */
export function roleEnv(role: LocalRole | undefined, endpoint: string, region: string): Record<string, string> {
  const credentials = role ? roleCredentials(role) : ADMIN_CREDENTIALS;
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken ?? '',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
  };
}

export interface SigningScope {
  accessKeyId: string;
  region: string;
  service: string;
}

const CREDENTIAL = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

/** The signing scope of a request: from its Authorization header, or a presigned URL's X-Amz-Credential. */
export function signingScope(authorization: string | undefined, query: URLSearchParams): SigningScope | undefined {
  const presigned = query.get('X-Amz-Credential');
  const match = CREDENTIAL.exec(authorization ?? (presigned ? `Credential=${presigned}` : ''));
  return match ? { accessKeyId: match[1]!, region: match[2]!, service: match[3]! } : undefined;
}
