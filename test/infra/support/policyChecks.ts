import { ACTIONS_WITHOUT_RESOURCE_SCOPE, type PolicyDocument, type PolicyStatement } from '../../../pulumi/policies';

export type PolicyKind = 'identity' | 'resource' | 'key';

function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/**
 * What is wrong with a policy, as sentences (empty = fine):
 * - an Allow statement names an action with a wildcard (`*` or `s3:Get*`);
 * - an Allow statement names Resource "*" although one of its actions can be scoped (key policies excepted:
 *   there "*" means the key itself and is the only accepted form);
 * - an Allow resource is not one of `ownedArns` (exact, or the owned ARN followed by a key/stream pattern);
 * - an Allow statement with Principal "*".
 * Deny statements may be broad: a deny cannot grant anything.
 */
export function policyViolations(doc: PolicyDocument, kind: PolicyKind, ownedArns: string[]): string[] {
  const problems: string[] = [];
  const statements: PolicyStatement[] = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement as unknown as PolicyStatement];
  for (const statement of statements) {
    if (statement.Effect !== 'Allow') continue;
    const sid = statement.Sid ?? '(no Sid)';
    const actions = list(statement.Action);
    for (const action of actions) if (action.includes('*')) problems.push(`${sid}: wildcard action ${action}`);
    if (statement.Principal === '*') problems.push(`${sid}: Allow to Principal "*"`);
    for (const resource of list(statement.Resource)) {
      if (resource === '*') {
        if (kind === 'key') continue;
        const scopable = actions.filter((a) => !ACTIONS_WITHOUT_RESOURCE_SCOPE.has(a));
        if (scopable.length > 0) problems.push(`${sid}: Resource "*" for scopable actions ${scopable.join(', ')}`);
        continue;
      }
      const owned = ownedArns.some((arn) => resource === arn || (resource.startsWith(arn) && /^[/:]/.test(resource.slice(arn.length))));
      if (!owned) problems.push(`${sid}: resource ${resource} is not one of this stack's`);
      const stem = ownedArns.find((arn) => resource.startsWith(arn)) ?? '';
      if (resource.slice(0, stem.length).includes('*')) problems.push(`${sid}: wildcard inside the ARN of ${resource}`);
    }
  }
  return problems;
}
