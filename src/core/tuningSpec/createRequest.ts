import { createHash } from 'node:crypto';
import type { Hyperparameters, TunedModel } from '../api/types';
import { type SpecValidation } from './validateSpec';
import { type SpecSummary } from './summary';

export interface CreateRequest {
  /** The body of `tunedModels.create`. */
  model: TunedModel;
  /** The optional `tunedModelId` query parameter. */
  tunedModelId: string | undefined;
  summary: SpecSummary;
  /** Held-out examples, not sent; kept for evaluating the tuned model later. */
  validationExamples: { textInput: string; output: string }[];
  /** Fingerprint of everything sent: the same spec and data give the same value. */
  fingerprint: string;
}

export class SpecHasErrorsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`The spec has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}: ${problems.slice(0, 3).join('; ')}`);
    this.name = 'SpecHasErrorsError';
  }
}

/**
 * The `tunedModels.create` request for a validated spec. Refuses (throws) when validation found
 * any error: nothing is sent on a best-effort basis.
 */
export function buildCreateRequest(validation: SpecValidation): CreateRequest {
  const spec = validation.spec;
  if (validation.hasErrors || !spec || !validation.summary) {
    const problems = validation.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
    throw new SpecHasErrorsError(problems.length > 0 ? problems : ['the spec has no training examples']);
  }
  const model: TunedModel = {};
  if (spec.displayName !== undefined) model.displayName = spec.displayName;
  if (spec.description !== undefined) model.description = spec.description;
  if (spec.baseModel !== undefined) model.baseModel = spec.baseModel;
  if (spec.tunedModelSource !== undefined) model.tunedModelSource = { tunedModel: spec.tunedModelSource.tunedModel };
  if (spec.temperature !== undefined) model.temperature = spec.temperature;
  if (spec.topP !== undefined) model.topP = spec.topP;
  if (spec.topK !== undefined) model.topK = spec.topK;
  if (spec.readerProjectNumbers !== undefined) model.readerProjectNumbers = spec.readerProjectNumbers.map((n) => String(n));
  const hyperparameters: Hyperparameters = {};
  const given = spec.hyperparameters ?? {};
  if (given.learningRate !== undefined) hyperparameters.learningRate = given.learningRate;
  if (given.learningRateMultiplier !== undefined) hyperparameters.learningRateMultiplier = given.learningRateMultiplier;
  if (given.epochCount !== undefined) hyperparameters.epochCount = given.epochCount;
  if (given.batchSize !== undefined) hyperparameters.batchSize = given.batchSize;
  model.tuningTask = {
    hyperparameters,
    trainingData: { examples: { examples: validation.training.map((e) => ({ textInput: e.textInput, output: e.output })) } },
  };
  const tunedModelId = spec.tunedModelId;
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ model, tunedModelId: tunedModelId ?? null }))
    .digest('hex');
  return {
    model,
    tunedModelId,
    summary: validation.summary,
    validationExamples: validation.validation.map((e) => ({ textInput: e.textInput, output: e.output })),
    fingerprint,
  };
}
