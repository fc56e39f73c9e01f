/** Builds the GenerateContentRequest for one prompt cell: settings cascade and chat history. */
import type { Content, GenerateContentRequest, GenerationConfig } from '../api/types';
import { GENERATION_CONFIG_KEYS, type PromptGenerationConfig, type PromptSettings } from './tunebookFormat';

/** Cell settings override notebook settings key by key; an empty systemInstruction in a cell removes the notebook's. */
export function effectiveSettings(notebook: PromptSettings, cell: PromptSettings | undefined): PromptSettings {
  const generationConfig: PromptGenerationConfig = { ...notebook.generationConfig };
  for (const key of GENERATION_CONFIG_KEYS) {
    const value = cell?.generationConfig?.[key];
    if (value !== undefined) (generationConfig as Record<string, unknown>)[key] = value;
  }
  const systemInstruction = cell?.systemInstruction !== undefined ? cell.systemInstruction : notebook.systemInstruction;
  return {
    ...(systemInstruction ? { systemInstruction } : {}),
    ...(Object.keys(generationConfig).length > 0 ? { generationConfig } : {}),
  };
}

/** One earlier prompt cell, as seen by chat mode. `answer` is undefined when it never completed. */
export interface ChatTurn {
  prompt: string;
  answer: string | undefined;
}

/**
 * History for chat mode: earlier prompts, in order, each followed by its answer. Prompts without a
 * completed answer (never run, failed, cancelled) and empty prompts are left out, so the history
 * always alternates user / model as the API expects.
 */
export function buildHistory(earlier: readonly ChatTurn[]): Content[] {
  const contents: Content[] = [];
  for (const turn of earlier) {
    if (turn.prompt.trim() === '' || turn.answer === undefined) continue;
    contents.push({ role: 'user', parts: [{ text: turn.prompt }] });
    contents.push({ role: 'model', parts: [{ text: turn.answer }] });
  }
  return contents;
}

export interface PromptRequestInput {
  prompt: string;
  notebook: PromptSettings & { chat?: boolean };
  cell?: PromptSettings;
  /** Earlier prompt cells, in document order; only used in chat mode. */
  earlier?: readonly ChatTurn[];
}

export function buildPromptRequest(input: PromptRequestInput): GenerateContentRequest {
  const settings = effectiveSettings(input.notebook, input.cell);
  const history = input.notebook.chat ? buildHistory(input.earlier ?? []) : [];
  const request: GenerateContentRequest = {
    contents: [...history, { role: 'user', parts: [{ text: input.prompt }] }],
  };
  if (settings.systemInstruction) request.systemInstruction = { parts: [{ text: settings.systemInstruction }] };
  if (settings.generationConfig) request.generationConfig = { ...settings.generationConfig } satisfies GenerationConfig;
  return request;
}

/** Short human summary of effective settings, for the cell status bar. */
export function describeSettings(settings: PromptSettings, chat: boolean): string {
  const parts: string[] = [];
  const g = settings.generationConfig ?? {};
  if (g.temperature !== undefined) parts.push(`temp ${g.temperature}`);
  if (g.topP !== undefined) parts.push(`topP ${g.topP}`);
  if (g.topK !== undefined) parts.push(`topK ${g.topK}`);
  if (g.maxOutputTokens !== undefined) parts.push(`max ${g.maxOutputTokens}`);
  if (g.candidateCount !== undefined && g.candidateCount !== 1) parts.push(`${g.candidateCount} candidates`);
  if (g.seed !== undefined) parts.push(`seed ${g.seed}`);
  if (g.stopSequences?.length) parts.push(`stop ${g.stopSequences.map((s) => JSON.stringify(s)).join(' ')}`);
  if (settings.systemInstruction) parts.push('system');
  if (chat) parts.push('chat');
  return parts.length > 0 ? parts.join(' · ') : 'model defaults';
}

/** Parses what a person typed for one generation setting; returns an error message instead when it is wrong. */
export function parseSettingInput(
  key: keyof PromptGenerationConfig,
  text: string,
): { value: PromptGenerationConfig[keyof PromptGenerationConfig] | undefined } | { error: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { value: undefined };
  if (key === 'stopSequences') {
    let list: unknown;
    try {
      list = JSON.parse(trimmed.startsWith('[') ? trimmed : `[${trimmed}]`);
    } catch {
      return { error: 'Write the stop sequences as JSON strings separated by commas, e.g. "\\n\\n", "END"' };
    }
    if (!Array.isArray(list) || list.some((s) => typeof s !== 'string')) return { error: 'Stop sequences must be strings' };
    if (list.length > 5) return { error: 'At most 5 stop sequences' };
    return { value: list as string[] };
  }
  const n = Number(trimmed);
  if (!Number.isFinite(n)) return { error: `${key} must be a number` };
  const integer = key === 'topK' || key === 'maxOutputTokens' || key === 'candidateCount' || key === 'seed';
  if (integer && !Number.isInteger(n)) return { error: `${key} must be a whole number` };
  if (key === 'temperature' && (n < 0 || n > 2)) return { error: 'temperature must be between 0 and 2' };
  if (key === 'topP' && (n < 0 || n > 1)) return { error: 'topP must be between 0 and 1' };
  if ((key === 'topK' || key === 'maxOutputTokens' || key === 'candidateCount') && n < 1) return { error: `${key} must be at least 1` };
  return { value: n };
}
