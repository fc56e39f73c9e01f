/** The notebook "Open in Prompt Notebook" starts with. */
import { escapeMarkdownText, markdownCodeSpan } from '../util/inertText';
import { type Tunebook } from './tunebookFormat';

/** A heading and one empty prompt cell, bound to `model`. `title` is the model's display name, shown as plain text. */
export function promptBookFor(model: string, title: string): Tunebook {
  return {
    metadata: { model, chat: false },
    cells: [
      { kind: 'markdown', source: `# Prompts for ${escapeMarkdownText(title)}\n\nEach code cell is a prompt; run it to stream the answer of ${markdownCodeSpan(model)}.` },
      { kind: 'prompt', source: '' },
    ],
  };
}
