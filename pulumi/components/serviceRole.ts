import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';

export interface ServiceRole {
  role: aws.iam.Role;
  rolePolicy: aws.iam.RolePolicy;
}

/**
 * A role one AWS service assumes, with its one inline least-privilege policy (`<name>-role`,
 * `<name>-policy`). Whatever the role runs should depend on `rolePolicy`, not only on `role`: IAM applies
 * an inline policy after the role exists, and a function or job started before that is denied.
 */
export function createServiceRole(
  parent: pulumi.Resource,
  name: string,
  args: { description: string; assumeRolePolicy: pulumi.Input<string>; policy: pulumi.Input<string> },
): ServiceRole {
  const role = new aws.iam.Role(`${name}-role`, { description: args.description, assumeRolePolicy: args.assumeRolePolicy }, { parent });
  const rolePolicy = new aws.iam.RolePolicy(`${name}-policy`, { role: role.id, policy: args.policy }, { parent });
  return { role, rolePolicy };
}
