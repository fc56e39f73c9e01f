/**
 * A model name from what a command receives: the name itself (`tunedModels/…`, a bare ID, or a
 * Vertex AI job's `projects/…`), or a tree item that carries a model (`item.model.name`), or
 * anything with a `tunedModels/…` name.
 */
export function modelNameFrom(arg: unknown): string | undefined {
  if (typeof arg === 'string') {
    const trimmed = arg.trim();
    if (trimmed === '') return undefined;
    // Vertex AI jobs are named by their full resource name; a bare ID is a Gemini API tuned model.
    return trimmed.startsWith('tunedModels/') || trimmed.startsWith('projects/') ? trimmed : `tunedModels/${trimmed}`;
  }
  if (typeof arg !== 'object' || arg === null) return undefined;
  const record = arg as Record<string, unknown>;
  for (const key of ['model', 'tunedModel']) {
    const inner = record[key];
    if (typeof inner === 'object' && inner !== null && typeof (inner as { name?: unknown }).name === 'string') {
      return (inner as { name: string }).name;
    }
  }
  for (const key of ['name', 'modelName', 'id']) {
    const value = record[key];
    if (typeof value === 'string' && value.startsWith('tunedModels/')) return value;
  }
  return undefined;
}
