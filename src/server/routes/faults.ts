import { type Exchange, readJson, sendJson } from '../exchange';
import { invalidField, noMethodServes } from '../httpErrors';
import { type FaultInjector, parseRule } from '../faults';

export const FAULTS_PATH = '/_faults';

/** `/_faults`: list (GET), add (POST `{rules}`) and clear (DELETE) the injected faults. Served only when fault injection is on. */
export function faultControl(faults: FaultInjector | undefined): (ex: Exchange) => Promise<void> {
  return async (ex) => {
    if (!faults || ex.url.pathname !== FAULTS_PATH) throw noMethodServes(ex.method, ex.url.pathname);
    switch (ex.method) {
      case 'GET':
        return sendJson(ex, 200, { rules: faults.list() });
      case 'DELETE':
        faults.clear();
        return sendJson(ex, 200, {});
      case 'POST': {
        const body = (await readJson(ex)) as Record<string, unknown>;
        if (!Array.isArray(body?.rules)) throw invalidField('rules', 'is required: an array of fault rules.');
        faults.add(body.rules.map((r, i) => parseRule(r, i)));
        return sendJson(ex, 200, { rules: faults.list() });
      }
      default:
        throw noMethodServes(ex.method, ex.url.pathname);
    }
  };
}
