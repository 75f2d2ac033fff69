import type { PolicyDocument, UnusedLocally } from '../../pulumi/policies';
import { LOCAL_ROLES, type LocalRole, type RolePolicies } from './roles';

/**
 * Least privilege proven by use (`npm run -s check:iam`): each role's grants, one per statement and action
 * (`<Sid>/<action>`, since one action may be granted by several statements on different resources), against
 * the ones the local run's paths were allowed by. A grant no path used needs a one-line reason in its policy
 * builder (`*_UNUSED_LOCALLY`, keyed by the grant or by a whole statement's Sid), or it is unjustified.
 */

export interface RoleGrantUsage {
  granted: string[];
  used: string[];
  unused: { grant: string; reason?: string }[];
}

export interface GrantReport {
  roles: Record<LocalRole, RoleGrantUsage>;
  unjustified: number;
}

/** `<Sid>/<action>` for every action of every Allow statement; the builders name each action (no wildcards). */
export function grantsOf(policy: PolicyDocument): string[] {
  return policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action.map((action) => `${s.Sid}/${action}`));
}

export function reasonFor(grant: string, reasons: UnusedLocally): string | undefined {
  return reasons[grant] ?? reasons[grant.slice(0, grant.indexOf('/'))];
}

/** Keys of `reasons` that name no grant of `policy`: a reason left behind when its grant changed. */
export function staleReasons(policy: PolicyDocument, reasons: UnusedLocally): string[] {
  const grants = grantsOf(policy);
  const sids = new Set(policy.Statement.map((s) => s.Sid));
  return Object.keys(reasons).filter((key) => (key.includes('/') ? !grants.includes(key) : !sids.has(key)));
}

/** Keys of `reasons` for grants a path did use: a reason that is no longer true. */
export function usedButJustified(report: GrantReport, reasons: Record<LocalRole, UnusedLocally>): string[] {
  return LOCAL_ROLES.flatMap((role) =>
    report.roles[role].used.filter((grant) => reasonFor(grant, reasons[role]) !== undefined).map((grant) => `${role}: ${grant}`),
  );
}

/** `usage`: per role, each action allowed and the Sids that allowed it (IamEvaluator.usage()). */
export function grantReport(
  policies: RolePolicies,
  usage: ReadonlyMap<LocalRole, ReadonlyMap<string, ReadonlySet<string>>>,
  reasons: Record<LocalRole, UnusedLocally>,
): GrantReport {
  let unjustified = 0;
  const roles = {} as Record<LocalRole, RoleGrantUsage>;
  for (const role of LOCAL_ROLES) {
    const granted = grantsOf(policies[role]);
    const allowed = usage.get(role) ?? new Map<string, ReadonlySet<string>>();
    const isUsed = (grant: string) => {
      const slash = grant.indexOf('/');
      return allowed.get(grant.slice(slash + 1))?.has(grant.slice(0, slash)) ?? false;
    };
    const used = granted.filter(isUsed);
    const unused = granted
      .filter((grant) => !isUsed(grant))
      .map((grant) => {
        const reason = reasonFor(grant, reasons[role]);
        if (reason === undefined) unjustified += 1;
        return reason === undefined ? { grant } : { grant, reason };
      });
    roles[role] = { granted, used, unused };
  }
  return { roles, unjustified };
}

/** The Sids of `policy` a local path uses: those with at least one grant `reasons` does not excuse. */
export function usedStatements(policy: PolicyDocument, reasons: UnusedLocally): string[] {
  const sids = new Set(
    grantsOf(policy)
      .filter((grant) => reasonFor(grant, reasons) === undefined)
      .map((g) => g.slice(0, g.indexOf('/'))),
  );
  return [...sids];
}
