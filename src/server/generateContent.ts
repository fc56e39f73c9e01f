import type { Candidate, FinishReason, GenerateContentResponse, UsageMetadata } from '../core/api/types';
import type { SamplingOptions } from './trainerPort';
import { MAX_CANDIDATES, MAX_STOP_SEQUENCES, Violations, checkRange, readInteger, readNumber, readString } from './requestValidation';
import { ServerError } from './httpErrors';
import { randomId } from './wire';

type Obj = Record<string, unknown>;
const obj = (x: unknown): Obj => (x && typeof x === 'object' && !Array.isArray(x) ? (x as Obj) : {});

export interface SamplingDefaults {
  temperature: number;
  topP: number;
  topK: number;
  maxOutputTokens: number;
}

export interface GenerationPlan {
  /** What the model reads: the text of the last user turn. */
  input: string;
  candidateCount: number;
  sampling: Omit<SamplingOptions, 'seed'>;
  seed: number;
}

const UNSUPPORTED_CONFIG = ['responseSchema', '_responseJsonSchema', 'responseJsonSchema', 'presencePenalty', 'frequencyPenalty', 'responseLogprobs', 'logprobs', 'speechConfig', 'thinkingConfig', 'imageConfig'];

/**
 * The checks the Gemini API's front end makes on the contents of a GenerateContentRequest before
 * any model sees them, answered with its recorded messages: one `* GenerateContentRequest.<path>:
 * <text>` line each, every line ending in a newline, and no details.
 */
export function checkContentsPresent(body: Obj): void {
  const contents = body.contents;
  const lines: string[] = [];
  if (!Array.isArray(contents) || contents.length === 0) {
    lines.push('* GenerateContentRequest.contents: contents is not specified\n');
  } else {
    contents.forEach((raw, i) => {
      const parts = obj(raw).parts;
      if (!Array.isArray(parts) || parts.length === 0) lines.push(`* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.\n`);
    });
  }
  if (lines.length > 0) throw new ServerError('INVALID_ARGUMENT', lines.join(''));
}

/**
 * Checks a normalized GenerateContentRequest and decides what the local model reads:
 * the text parts of the last `user` turn (role `user` or no role), joined without separators.
 * Earlier turns and `systemInstruction` are accepted and validated but do not reach the model,
 * which was tuned on single text inputs.
 */
export function planGeneration(body: Obj, defaults: SamplingDefaults): GenerationPlan {
  const v = new Violations();
  const contents = body.contents;
  let input: string | undefined;
  if (!Array.isArray(contents) || contents.length === 0) {
    v.add('contents', 'is required and must contain at least one Content with a text part.');
  } else {
    contents.forEach((raw, i) => {
      const c = obj(raw);
      const role = c.role;
      if (role !== undefined && role !== '' && role !== 'user' && role !== 'model') {
        v.add(`contents[${i}].role`, `Please use a valid role: user, model. Got ${JSON.stringify(role)}.`);
      }
      const parts = c.parts;
      if (!Array.isArray(parts) || parts.length === 0) {
        v.add(`contents[${i}].parts`, 'must contain at least one part.');
        return;
      }
      let text = '';
      parts.forEach((p, j) => {
        const part = obj(p);
        if (typeof part.text === 'string') text += part.text;
        else v.add(`contents[${i}].parts[${j}]`, 'the local model reads text parts only (no inlineData, fileData, functionCall, …).');
      });
      if (role === undefined || role === '' || role === 'user') input = text;
    });
    if (input === undefined && v.list.length === 0) v.add('contents', 'must contain at least one user turn (role "user").');
  }
  const system = body.systemInstruction;
  if (system !== undefined) {
    const parts = obj(system).parts;
    if (Array.isArray(parts)) {
      parts.forEach((p, j) => {
        if (typeof obj(p).text !== 'string') v.add(`systemInstruction.parts[${j}]`, 'systemInstruction accepts text parts only.');
      });
    }
  }
  if (Array.isArray(body.tools) && body.tools.length > 0) v.add('tools', 'tools are not supported by tuned models or by the local model.');
  if (body.toolConfig !== undefined) v.add('toolConfig', 'tools are not supported by tuned models or by the local model.');
  if (body.cachedContent !== undefined && body.cachedContent !== '') v.add('cachedContent', 'cached contents are not supported for tuned models.');
  if (Array.isArray(body.safetySettings)) {
    body.safetySettings.forEach((s, i) => {
      const setting = obj(s);
      if (typeof setting.category !== 'string' || !String(setting.category).startsWith('HARM_CATEGORY_')) {
        v.add(`safetySettings[${i}].category`, `must be a HarmCategory such as HARM_CATEGORY_HARASSMENT; got ${JSON.stringify(setting.category)}.`);
      }
    });
  }

  const config = obj(body.generationConfig);
  const at = (f: string): string => `generationConfig.${f}`;
  const temperature = readNumber(v, at('temperature'), config.temperature);
  checkRange(v, at('temperature'), temperature, 0, 2);
  const topP = readNumber(v, at('topP'), config.topP);
  checkRange(v, at('topP'), topP, 0, 1);
  const topK = readInteger(v, at('topK'), config.topK);
  if (topK !== undefined && topK < 1) v.add(at('topK'), `must be at least 1; got ${topK}.`);
  const candidateCount = readInteger(v, at('candidateCount'), config.candidateCount);
  checkRange(v, at('candidateCount'), candidateCount, 1, MAX_CANDIDATES);
  const maxOutputTokens = readInteger(v, at('maxOutputTokens'), config.maxOutputTokens);
  checkRange(v, at('maxOutputTokens'), maxOutputTokens, 1, defaults.maxOutputTokens);
  const seed = readInteger(v, at('seed'), config.seed);
  const stopSequences: string[] = [];
  if (config.stopSequences !== undefined) {
    const list = config.stopSequences as unknown[];
    if (list.length > MAX_STOP_SEQUENCES) v.add(at('stopSequences'), `may hold at most ${MAX_STOP_SEQUENCES} sequences; got ${list.length}.`);
    list.forEach((s, i) => {
      const str = readString(v, at(`stopSequences[${i}]`), s);
      if (str === '') v.add(at(`stopSequences[${i}]`), 'must not be empty.');
      else if (str !== undefined) stopSequences.push(str);
    });
  }
  const mime = config.responseMimeType;
  if (mime !== undefined && mime !== '' && mime !== 'text/plain') {
    v.add(at('responseMimeType'), `the local model produces text/plain only; got ${JSON.stringify(mime)}.`);
  }
  if (Array.isArray(config.responseModalities) && config.responseModalities.some((m) => m !== 'TEXT')) {
    v.add(at('responseModalities'), 'the local model produces TEXT only.');
  }
  for (const name of UNSUPPORTED_CONFIG) {
    if (config[name] !== undefined && config[name] !== false) v.add(at(name), 'is not supported by the local model.');
  }
  v.throwIfAny();
  return {
    input: input ?? '',
    candidateCount: candidateCount ?? 1,
    sampling: {
      temperature: temperature ?? defaults.temperature,
      topP: topP ?? defaults.topP,
      topK: topK ?? defaults.topK,
      maxOutputTokens: maxOutputTokens ?? defaults.maxOutputTokens,
      stopSequences,
    },
    seed: seed ?? Math.floor(Math.random() * 2 ** 31),
  };
}

import type { GenerationChunk } from './trainer/candidates';
import { countTokens } from './trainer/tokens';

export { type GenerationChunk, TOKENS_PER_CHUNK, runCandidates } from './trainer/candidates';

/** Counts tokens the way the model that generated the text does. */
export interface Tokenizer {
  countTokens(text: string): number;
}

/** The local model's tokenizer: one token per code point, the same for every local model. */
export const LOCAL_TOKENIZER: Tokenizer = { countTokens };

export class ResponseBuilder {
  readonly responseId = randomId(20);
  private readonly texts: string[];
  private readonly promptTokenCount: number;
  /** Kept as text arrives: deltas hold whole code points, so counting each adds up to counting the whole. */
  private candidatesTokenCount = 0;

  constructor(
    private readonly tokenizer: Tokenizer,
    plan: GenerationPlan,
    private readonly modelVersion: string,
  ) {
    this.texts = Array.from({ length: plan.candidateCount }, () => '');
    this.promptTokenCount = tokenizer.countTokens(plan.input);
  }

  private add(i: number, delta: string): void {
    this.texts[i] += delta;
    this.candidatesTokenCount += this.tokenizer.countTokens(delta);
  }

  usage(): UsageMetadata {
    const candidatesTokenCount = this.candidatesTokenCount;
    return {
      promptTokenCount: this.promptTokenCount,
      ...(candidatesTokenCount > 0 ? { candidatesTokenCount } : {}),
      totalTokenCount: this.promptTokenCount + candidatesTokenCount,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: this.promptTokenCount }],
    };
  }

  /** One streamed GenerateContentResponse carrying this chunk's delta text. */
  chunk(c: GenerationChunk): GenerateContentResponse {
    const candidates: Candidate[] = [];
    c.deltas.forEach((delta, i) => {
      this.add(i, delta);
      if (delta === '' && c.finished[i] === undefined) return;
      candidates.push({
        content: { parts: [{ text: delta }], role: 'model' },
        ...(c.finished[i] ? { finishReason: c.finished[i] } : {}),
        index: i,
      });
    });
    return { candidates, usageMetadata: this.usage(), modelVersion: this.modelVersion, responseId: this.responseId };
  }

  /** The unary response after all chunks went through `chunk` (or `absorb`). */
  absorb(c: GenerationChunk, finished: (FinishReason | undefined)[]): void {
    c.deltas.forEach((d, i) => {
      this.add(i, d);
      if (c.finished[i]) finished[i] = c.finished[i];
    });
  }

  whole(finished: (FinishReason | undefined)[]): GenerateContentResponse {
    const candidates: Candidate[] = this.texts.map((text, i) => ({
      content: { parts: [{ text }], role: 'model' },
      finishReason: finished[i] ?? 'STOP',
      index: i,
    }));
    return { candidates, usageMetadata: this.usage(), modelVersion: this.modelVersion, responseId: this.responseId };
  }
}
