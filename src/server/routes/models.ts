import { type Exchange, sendJson } from '../exchange';
import { baseModelNotFound } from '../httpErrors';
import { PageRequest, pageBody } from '../pagination';
import { BASE_MODELS, findBaseModel } from '../resources';
import type { ApiPath, Route } from '../routing';

/** models.list and models.get: the base models this server can tune. */
export function modelRoutes(): Route[] {
  return [
    { method: 'GET', pattern: 'models', handle: listModels },
    { method: 'GET', pattern: 'models/*', handle: getModel },
  ];
}

async function listModels(ex: Exchange): Promise<void> {
  const paging = PageRequest.read(ex.url.searchParams, 50);
  const cursor = paging.resumeAfter(['models']);
  sendJson(ex, 200, pageBody('models', paging.slice(BASE_MODELS, cursor, (m) => m.name), (m) => m));
}

async function getModel(ex: Exchange, path: ApiPath): Promise<void> {
  const name = `models/${path.id ?? ''}`;
  const model = findBaseModel(name);
  if (!model) throw baseModelNotFound(name);
  sendJson(ex, 200, model);
}
