/**
 * The output of "Run Against Base Model Too": the tuned and the base model's answers side by side,
 * each with its tokens and timings, as HTML for the notebook and as plain text for everything else.
 */
import { describeStats } from './outcome';
import type { RunStatsMetadata } from './outputMetadata';

export interface ComparisonSide {
  /** "Tuned" or "Base" */
  readonly role: string;
  readonly model: string;
  readonly text: string;
  readonly stats?: RunStatsMetadata;
  /** Why the answer is incomplete, when it is ("cancelled", "failed"). */
  readonly incomplete?: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One side's tokens and timings, or why it has none. */
export function describeSide(side: ComparisonSide): string {
  const stats = side.stats ? describeStats(side.stats) : 'no statistics';
  return side.incomplete ? `${stats} · ${side.incomplete}` : stats;
}

// Every cell has the same box: the same padding, top alignment and left alignment, and columns of
// equal, fixed width, so that both answers start at the same height and each row lines up whatever
// the notebook's own table styles are. Long model names and unbroken words wrap inside their column.
const CELL = 'text-align:left;vertical-align:top;padding:4px 8px;border:1px solid rgba(128,128,128,0.35);overflow-wrap:anywhere;word-break:break-word';
const HEAD = `${CELL};font-weight:600`;
const ANSWER = `${CELL};white-space:pre-wrap;font-family:var(--vscode-editor-font-family,monospace)`;
const STATS = `${CELL};font-size:0.9em;opacity:0.8;font-variant-numeric:tabular-nums`;

/** The side-by-side table: a header row, an answer row and a statistics row, in two equal columns. */
export function comparisonHtml(tuned: ComparisonSide, base: ComparisonSide): string {
  const sides = [tuned, base];
  const row = (style: string, cell: (side: ComparisonSide) => string, className: string): string =>
    `<tr class="${className}">${sides.map((side) => `<td style="${style}">${cell(side)}</td>`).join('')}</tr>`;
  return (
    '<table class="comparison" style="width:100%;table-layout:fixed;border-collapse:collapse;margin:0">' +
    '<colgroup><col style="width:50%"><col style="width:50%"></colgroup>' +
    `<thead><tr class="models">${sides.map((side) => `<th scope="col" style="${HEAD}">${escapeHtml(side.role)} · <code>${escapeHtml(side.model)}</code></th>`).join('')}</tr></thead>` +
    '<tbody>' +
    row(ANSWER, (side) => escapeHtml(side.text), 'answers') +
    row(STATS, (side) => escapeHtml(describeSide(side)), 'stats') +
    '</tbody></table>'
  );
}

/** The same for text-only renderers and the clipboard. */
export function comparisonPlainText(tuned: ComparisonSide, base: ComparisonSide): string {
  return [tuned, base].map((side) => `── ${side.role.toLowerCase()}: ${side.model} ──\n${side.text}\n(${describeSide(side)})`).join('\n\n');
}
