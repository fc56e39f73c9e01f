import { createHash } from 'node:crypto';
import type { VertexDataset, VertexJobRequest } from '../tuning/vertexBackend';
import type { AdapterSize } from '../vertex/types';
import { SpecHasErrorsError } from './createRequest';
import { type LoadedExample } from './examples';
import { type SpecValidation } from './validateSpec';
import { adapterSizeEnum, type VertexSummary } from './vertexSpec';

export interface VertexCreateRequest {
  /** What `VertexBackend.submitJob` uploads and creates. */
  request: VertexJobRequest;
  summary: VertexSummary;
  /** Held-out examples written as textInput/output, kept for evaluating the tuned model later. */
  validationExamples: { textInput: string; output: string }[];
  /** Everything sent, and the size and time of the files uploaded: the same spec and data give the same value. */
  fingerprint: string;
}

function textExamples(examples: readonly LoadedExample[]): { textInput: string; output: string }[] {
  return examples.map((e) => ({ textInput: e.textInput, output: e.output }));
}

/**
 * The Vertex AI tuning job a validated `platform: vertex` spec describes. Examples written as
 * textInput/output are converted to Vertex AI's JSONL (with the spec's system instruction on each);
 * a contentsFile is uploaded as it is. Refuses (throws) when validation found any error.
 */
export function buildVertexJobRequest(validation: SpecValidation): VertexCreateRequest {
  const spec = validation.spec;
  const summary = validation.summary as VertexSummary | undefined;
  if (validation.hasErrors || !spec || !summary || validation.platform !== 'vertex' || !validation.vertex || summary.platform !== 'vertex') {
    const problems = validation.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
    if (validation.platform !== 'vertex') problems.push('the spec is not for Vertex AI: add "platform: vertex"');
    throw new SpecHasErrorsError(problems.length > 0 ? problems : ['the spec has no training examples']);
  }
  const system = spec.systemInstruction;
  const { trainingContents, validationContents } = validation.vertex;
  const converted = (examples: readonly LoadedExample[]): VertexDataset => ({ examples: textExamples(examples), ...(system ? { systemInstruction: system } : {}) });
  const training: VertexDataset = trainingContents ? { jsonlFile: trainingContents.file } : converted(validation.training);
  const heldOut: VertexDataset | undefined = validationContents ? { jsonlFile: validationContents.file } : validation.validation.length > 0 ? converted(validation.validation) : undefined;
  const hp = spec.hyperparameters ?? {};
  const adapterSize = hp.adapterSize !== undefined ? (adapterSizeEnum(hp.adapterSize) as AdapterSize | undefined) : undefined;
  const request: VertexJobRequest = {
    baseModel: spec.baseModel ?? '',
    ...(spec.displayName !== undefined ? { displayName: spec.displayName } : {}),
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    ...(spec.labels !== undefined ? { labels: { ...spec.labels } } : {}),
    ...(hp.epochCount !== undefined ? { epochCount: hp.epochCount } : {}),
    ...(hp.learningRateMultiplier !== undefined ? { learningRateMultiplier: hp.learningRateMultiplier } : {}),
    ...(adapterSize !== undefined ? { adapterSize } : {}),
    training,
    ...(heldOut ? { validation: heldOut } : {}),
  };
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ request, stamps: [trainingContents?.stamp ?? null, validationContents?.stamp ?? null] }))
    .digest('hex');
  return { request, summary, validationExamples: textExamples(validation.validation), fingerprint };
}
