import * as vscode from 'vscode';

export const VERTEX_BASE_MODELS_SETTING = 'geminiTuning.vertex.baseModels';

/** The tunable Vertex AI base models, from the setting (its default list ships in package.json). */
export function configuredVertexBaseModels(): readonly string[] {
  const value = vscode.workspace.getConfiguration('geminiTuning').get<unknown>('vertex.baseModels');
  return Array.isArray(value) ? value.filter((m): m is string => typeof m === 'string' && m.trim() !== '').map((m) => m.trim()) : [];
}
