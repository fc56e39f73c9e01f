import type { Exchange } from './exchange';

export type ApiVersion = 'v1beta' | 'v1';

/** A parsed API path: `/{version}/{collection}[/{id}[/{sub}[/{subId}]]][:{verb}]`, segments URL-decoded. */
export interface ApiPath {
  version: ApiVersion;
  collection: 'models' | 'tunedModels';
  id?: string;
  sub?: 'operations' | 'permissions';
  subId?: string;
  verb?: string;
}

export type RouteHandler = (ex: Exchange, path: ApiPath) => Promise<void>;

/**
 * One binding of the API: a method and a path pattern in which `*` stands for one id, such as
 * `tunedModels/*\/permissions/*` or `models/*:generateContent`.
 */
export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  pattern: string;
  /** The API versions that bind it; v1beta unless given. */
  versions?: readonly ApiVersion[];
  handle: RouteHandler;
}

export function parseApiPath(pathname: string): ApiPath | undefined {
  const prefix = /^\/(v1beta|v1)\//.exec(pathname);
  if (!prefix) return undefined;
  let segments: string[];
  try {
    segments = pathname.slice(prefix[0].length).split('/').map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
  const last = segments[segments.length - 1];
  let verb: string | undefined;
  const colon = last.indexOf(':');
  if (colon >= 0) {
    verb = last.slice(colon + 1);
    segments[segments.length - 1] = last.slice(0, colon);
  }
  const [collection, id, sub, subId, ...extra] = segments;
  if (collection !== 'models' && collection !== 'tunedModels') return undefined;
  if (extra.length > 0 || id === '' || subId === '') return undefined;
  if (sub !== undefined && sub !== 'operations' && sub !== 'permissions') return undefined;
  if (collection === 'models' && sub !== undefined) return undefined;
  return { version: prefix[1] as ApiVersion, collection, id, sub: sub as ApiPath['sub'], subId, verb: verb || undefined };
}

function resourcePattern(path: ApiPath): string {
  let pattern: string = path.collection;
  if (path.id !== undefined) pattern += '/*';
  if (path.sub !== undefined) pattern += `/${path.sub}`;
  if (path.subId !== undefined) pattern += '/*';
  return pattern;
}

function patternOf(path: ApiPath): string {
  return path.verb ? `${resourcePattern(path)}:${path.verb}` : resourcePattern(path);
}

const versionsOf = (route: Route): readonly ApiVersion[] => route.versions ?? ['v1beta'];

/** What a route table makes of one request's path. */
export type Match =
  | { kind: 'route'; route: Route }
  /** The path names a resource the version serves, but no method binds this verb and HTTP method. */
  | { kind: 'noBinding'; allowed: Route['method'][] }
  /** The version serves no resource of this shape. */
  | { kind: 'unknownResource' };

export class RouteTable {
  constructor(private readonly routes: readonly Route[]) {}

  /** Whether `path.version` serves any method on resources shaped like `path` (ignoring the verb). */
  servesResource(path: ApiPath): boolean {
    const resource = resourcePattern(path);
    return this.routes.some((r) => versionsOf(r).includes(path.version) && r.pattern.split(':')[0] === resource);
  }

  match(method: string, path: ApiPath): Match {
    if (!this.servesResource(path)) return { kind: 'unknownResource' };
    const pattern = patternOf(path);
    const bound = this.routes.filter((r) => versionsOf(r).includes(path.version) && r.pattern === pattern);
    const route = bound.find((r) => r.method === method);
    return route ? { kind: 'route', route } : { kind: 'noBinding', allowed: bound.map((r) => r.method) };
  }
}
