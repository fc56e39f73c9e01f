import { invalidField } from './httpErrors';
import type { ModelRecord } from './records';

/** Who "me" is in list filters; the local server has a single user. */
export const LOCAL_USER_EMAIL = 'local-user@localhost';

/**
 * List filter: free-text words (all must appear, case-insensitively, in displayName or
 * description; "quoted phrases" allowed) plus the operators owner:me, writers:me, readers:me and
 * readers:everyone. Without readers:everyone, models are listed when the local user holds a role.
 */
export function compileFilter(filter: string): (r: ModelRecord) => boolean {
  const tokens = filter.match(/"[^"]*"|\S+/g) ?? [];
  const terms: string[] = [];
  const operators: string[] = [];
  for (const token of tokens) {
    const lower = token.toLowerCase();
    if (/^(owner|writers|readers):/.test(lower)) {
      if (!['owner:me', 'writers:me', 'readers:me', 'readers:everyone'].includes(lower)) {
        throw invalidField('filter', `supports owner:me, writers:me, readers:me and readers:everyone; got "${token}".`);
      }
      operators.push(lower);
    } else {
      terms.push(lower.replace(/^"|"$/g, ''));
    }
  }
  const me = LOCAL_USER_EMAIL;
  const roleOf = (r: ModelRecord): string | undefined => r.permissions.find((p) => p.emailAddress === me)?.role;
  return (r) => {
    const role = roleOf(r);
    for (const op of operators) {
      if (op === 'owner:me' && role !== 'OWNER') return false;
      if (op === 'writers:me' && role !== 'OWNER' && role !== 'WRITER') return false;
      if (op === 'readers:me' && role === undefined) return false;
      if (op === 'readers:everyone' && !r.permissions.some((p) => p.granteeType === 'EVERYONE')) return false;
    }
    if (!operators.includes('readers:everyone') && role === undefined) return false;
    if (terms.length === 0) return true;
    const text = `${r.displayName ?? ''}\n${r.description ?? ''}`.toLowerCase();
    return terms.every((t) => text.includes(t));
  };
}
