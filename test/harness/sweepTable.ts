// The reliability and security sweep runs in several processes (extension hosts, Playwright); each
// case appends one line to the file named by GEMINI_TUNING_SWEEP_FILE, and `npm test` prints them
// as one table at the end.
import * as fs from 'node:fs';

export const SWEEP_FILE_VARIABLE = 'GEMINI_TUNING_SWEEP_FILE';

export interface SweepCase {
  /** What is attacked: "server faults", "fuzz", "secrets", "webview", "restricted mode"… */
  area: string;
  /** What was tried, e.g. "503 storm (12 responses) while polling". */
  tried: string;
  /** How it ended, in words, e.g. "tree recovered after 3 polls; 40 models". */
  outcome: string;
  /** Whether the outcome is the expected, safe one. */
  ok: boolean;
}

export function recordSweepCase(row: SweepCase): void {
  const file = process.env[SWEEP_FILE_VARIABLE];
  if (file) fs.appendFileSync(file, `${JSON.stringify(row)}\n`);
  else console.log(`[sweep] ${row.ok ? 'ok  ' : 'FAIL'} ${row.area} | ${row.tried} | ${row.outcome}`);
}

export function readSweepCases(file: string): SweepCase[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as SweepCase);
}

/** Long cells wrap onto further lines, so that the table stays readable in an 120-column terminal. */
export function formatSweepTable(cases: readonly SweepCase[], wrapAt = 48): string {
  const header = ['', 'area', 'tried', 'outcome'];
  const rows = cases.map((c) => [[c.ok ? 'ok' : 'FAIL'], [c.area], wrap(c.tried, wrapAt), wrap(c.outcome, wrapAt)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => Math.max(...r[i].map((line) => line.length)))));
  const line = (cells: readonly string[]): string => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '─'.repeat(w)).join('  ')];
  for (const row of rows) {
    const height = Math.max(...row.map((cell) => cell.length));
    for (let i = 0; i < height; i++) out.push(line(row.map((cell) => cell[i] ?? '')));
  }
  return out.join('\n');
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  lines.push(current);
  return lines;
}
