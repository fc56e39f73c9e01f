import { invalidField } from '../httpErrors';
import { parentName } from './names';
import type { EndpointTarget, TuningJobRecord } from './tuningJobStore';
import { checkpointsOf, endpointName, jobName } from './tuningJobWire';

/**
 * The Model and Endpoint resources a SUCCEEDED tuning job leaves behind: one model (`@1`) and an
 * endpoint per kept checkpoint, the last of which is `tunedModel.endpoint`. Deleting an endpoint
 * undeploys its checkpoint; a model can be deleted once none of its endpoints is left.
 */

/** The endpoints a job has deployed and not deleted; none before it SUCCEEDED. */
export function liveEndpoints(r: TuningJobRecord): EndpointTarget[] {
  if (r.state !== 'JOB_STATE_SUCCEEDED' || r.modelDeleted) return [];
  const deleted = new Set(r.deletedEndpointIds ?? []);
  const targets: EndpointTarget[] = (r.checkpointEndpointIds ?? []).map((_, i) => ({ record: r, epoch: i + 1 }));
  targets.push({ record: r });
  return targets.filter((t) => !deleted.has(endpointIdOf(t)));
}

export function endpointIdOf(t: EndpointTarget): string {
  return t.epoch === undefined ? t.record.endpointId : (t.record.checkpointEndpointIds ?? [])[t.epoch - 1];
}

function displayNameOf(r: TuningJobRecord): string {
  return r.tunedModelDisplayName ?? `tuning-job-${r.id}`;
}

const deployedModelId = (t: EndpointTarget): string => endpointIdOf(t).slice(-10);

/** The Endpoint resource: one deployed model, the job's model at the checkpoint it serves. */
export function toEndpoint(t: EndpointTarget): Record<string, unknown> {
  const r = t.record;
  const checkpointId = String(t.epoch ?? r.plan?.epochCount ?? 1);
  const time = r.endTime ?? r.updateTime;
  return {
    name: endpointName(r, endpointIdOf(t)),
    displayName: t.epoch === undefined ? displayNameOf(r) : `${displayNameOf(r)} (checkpoint ${checkpointId})`,
    deployedModels: [
      {
        id: deployedModelId(t),
        model: `${parentName(r.projectNumber, r.location)}/models/${r.modelId}`,
        modelVersionId: '1',
        displayName: displayNameOf(r),
        createTime: time,
        ...(checkpointsOf(r).length > 0 ? { checkpointId } : {}),
      },
    ],
    trafficSplit: { [deployedModelId(t)]: 100 },
    etag: `"${time}"`,
    ...(r.labels && Object.keys(r.labels).length > 0 ? { labels: r.labels } : {}),
    createTime: time,
    updateTime: time,
  };
}

/** The Model resource of a SUCCEEDED job (version 1, the only one local tuning makes). */
export function toModel(r: TuningJobRecord): Record<string, unknown> {
  const time = r.endTime ?? r.updateTime;
  const checkpoints = checkpointsOf(r).map(({ checkpointId, epoch, step }) => ({ checkpointId, epoch, step }));
  return {
    name: `${parentName(r.projectNumber, r.location)}/models/${r.modelId}`,
    displayName: displayNameOf(r),
    ...(r.description !== undefined ? { description: r.description } : {}),
    versionId: '1',
    versionAliases: ['default'],
    versionCreateTime: time,
    versionUpdateTime: time,
    createTime: time,
    updateTime: time,
    etag: `"${time}"`,
    deployedModels: liveEndpoints(r).map((t) => ({ endpoint: endpointName(r, endpointIdOf(t)), deployedModelId: deployedModelId(t), ...(t.epoch !== undefined || checkpoints.length > 0 ? { checkpointId: String(t.epoch ?? r.plan?.epochCount) } : {}) })),
    ...(r.labels && Object.keys(r.labels).length > 0 ? { labels: r.labels } : {}),
    ...(checkpoints.length > 0 ? { checkpoints } : {}),
    supportedDeploymentResourcesTypes: ['SHARED_RESOURCES'],
    metadata: { tuningJob: jobName(r) },
  };
}

/** A delete's long-running operation, already done (the local server deletes at once). */
export function deleteOperation(parent: string, apiVersion: string, operationId: string, now: string): Record<string, unknown> {
  return {
    name: `${parent}/operations/${operationId}`,
    metadata: { '@type': `type.googleapis.com/google.cloud.aiplatform.${apiVersion}.DeleteOperationMetadata`, genericMetadata: { createTime: now, updateTime: now } },
    done: true,
    response: { '@type': 'type.googleapis.com/google.protobuf.Empty' },
  };
}

/** Endpoint list filter (AIP-160 subset): `display_name="…"` and `labels.k=v` terms joined by AND. */
export function compileEndpointFilter(filter: string): (endpoint: Record<string, unknown>) => boolean {
  const text = filter.trim();
  if (text === '') return () => true;
  const tests: ((e: Record<string, unknown>) => boolean)[] = [];
  for (const term of text.split(/\s+AND\s+/)) {
    const m = /^\s*(display_name|displayName|labels\.([a-z][a-z0-9_-]*))\s*(=|!=)\s*("([^"]*)"|\S+)\s*$/.exec(term);
    if (!m) throw invalidField('filter', `supports display_name="…" and labels.KEY=VALUE terms joined by AND; got ${JSON.stringify(term)}.`);
    const value = m[5] ?? m[4];
    const negate = m[3] === '!=';
    const label = m[2];
    tests.push((e) => (label !== undefined ? (e.labels as Record<string, string> | undefined)?.[label] === value : e.displayName === value) !== negate);
  }
  return (e) => tests.every((t) => t(e));
}
