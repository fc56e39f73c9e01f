import {
  CREATE_TUNED_MODEL_METADATA_TYPE,
  TUNED_MODEL_TYPE,
  type CreateTunedModelMetadata,
  type Model,
  type Operation,
  type Permission,
  type TunedModel,
  type TuningSnapshot,
} from '../core/api/types';
import { completedEpochs } from '../core/api/tuningDefaults';
import type { ModelRecord, PermissionRecord, SnapshotRecord } from './records';

export const BASE_MODEL_NAME = 'models/gemini-1.5-flash-001-tuning';

/** The base models this server can tune. Sampling defaults match the real model's published ones. */
export const BASE_MODELS: readonly Model[] = [
  {
    name: BASE_MODEL_NAME,
    baseModelId: 'gemini-1.5-flash-001-tuning',
    version: '001',
    displayName: 'Local tuning model (stands in for Gemini 1.5 Flash 001 Tuning)',
    description:
      'A small local model (character level) that runs on this computer inside the local tuning server. It is not Gemini: ' +
      'it learns to reproduce and interpolate the outputs of its tuning examples, and untuned it produces little of use. ' +
      'It carries the name of the Gemini model it stands in for so tuning specs move between backends unchanged.',
    inputTokenLimit: 16384,
    outputTokenLimit: 8192,
    supportedGenerationMethods: ['generateContent', 'countTokens', 'createTunedModel'],
    temperature: 1,
    maxTemperature: 2,
    topP: 0.95,
    topK: 64,
  },
];

export function findBaseModel(name: string): Model | undefined {
  return BASE_MODELS.find((m) => m.name === name);
}

/**
 * A snapshot on the wire. Its epoch is worked out from the step rather than read from the record,
 * so models trained before epochs were counted as completed ones read the same way; proto3 JSON
 * omits it while it is 0.
 */
function snapshotOf(r: ModelRecord): (s: SnapshotRecord) => TuningSnapshot {
  const { batchSize, epochCount } = r.hyperparameters;
  return (s) => {
    const epoch = completedEpochs(s.step, batchSize, r.exampleCount, epochCount);
    return { step: s.step, ...(epoch !== 0 ? { epoch } : {}), meanLoss: s.meanLoss, computeTime: s.computeTime };
  };
}

export function tunedModelName(id: string): string {
  return `tunedModels/${id}`;
}

export function operationName(record: ModelRecord): string {
  return `tunedModels/${record.id}/operations/${record.operationId}`;
}

/** The TunedModel as the API returns it (proto3 defaults omitted, trainingData never returned). */
export function toTunedModel(r: ModelRecord): TunedModel {
  const out: TunedModel = { name: tunedModelName(r.id) };
  if (r.sourceTunedModel) out.tunedModelSource = { tunedModel: r.sourceTunedModel, baseModel: r.baseModel };
  else out.baseModel = r.baseModel;
  if (r.displayName) out.displayName = r.displayName;
  if (r.description) out.description = r.description;
  out.temperature = r.temperature;
  out.topP = r.topP;
  out.topK = r.topK;
  out.state = r.state;
  out.createTime = r.createTime;
  out.updateTime = r.updateTime;
  out.tuningTask = {
    ...(r.startTime ? { startTime: r.startTime } : {}),
    ...(r.completeTime ? { completeTime: r.completeTime } : {}),
    ...(r.snapshots.length > 0 ? { snapshots: r.snapshots.map(snapshotOf(r)) } : {}),
    hyperparameters: { ...r.hyperparameters },
  };
  if (r.readerProjectNumbers && r.readerProjectNumbers.length > 0) out.readerProjectNumbers = [...r.readerProjectNumbers];
  return out;
}

export function toOperation(r: ModelRecord): Operation {
  const completedSteps = r.state === 'ACTIVE' ? r.totalSteps : Math.min(r.snapshots.length > 0 ? r.snapshots[r.snapshots.length - 1].step : 0, r.totalSteps);
  const metadata: CreateTunedModelMetadata = { tunedModel: tunedModelName(r.id), totalSteps: r.totalSteps };
  if (completedSteps > 0) {
    metadata.completedSteps = completedSteps;
    metadata.completedPercent = r.totalSteps > 0 ? (100 * completedSteps) / r.totalSteps : 100;
  }
  if (r.snapshots.length > 0) metadata.snapshots = r.snapshots.map(snapshotOf(r));
  const op: Operation = {
    name: operationName(r),
    metadata: { '@type': CREATE_TUNED_MODEL_METADATA_TYPE, ...metadata },
  };
  if (r.state === 'ACTIVE') {
    op.done = true;
    op.response = { '@type': TUNED_MODEL_TYPE, ...toTunedModel(r) };
  } else if (r.state === 'FAILED') {
    op.done = true;
    op.error = { code: r.error?.code ?? 13, message: r.error?.message ?? 'Tuning failed.' };
  }
  return op;
}

export function permissionName(record: ModelRecord, p: PermissionRecord): string {
  return `tunedModels/${record.id}/permissions/${p.id}`;
}

export function toPermission(record: ModelRecord, p: PermissionRecord): Permission {
  return {
    name: permissionName(record, p),
    granteeType: p.granteeType,
    ...(p.emailAddress ? { emailAddress: p.emailAddress } : {}),
    role: p.role,
  };
}
