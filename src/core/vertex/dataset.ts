/**
 * Vertex AI supervised-tuning datasets: one JSON object per line, `contents` of alternating
 * `user`/`model` turns ending with a `model` turn, and an optional `systemInstruction`.
 */

export interface TextExample {
  readonly textInput: string;
  readonly output: string;
}

export interface VertexPart {
  text?: string;
  fileData?: { mimeType?: string; fileUri?: string };
  functionCall?: unknown;
  functionResponse?: unknown;
}

export interface VertexContent {
  role?: string;
  parts: VertexPart[];
}

export interface VertexExample {
  systemInstruction?: { parts: VertexPart[] };
  contents: VertexContent[];
}

/** The spec's `textInput`/`output` pairs as Vertex JSONL, with the spec's system instruction on every line. */
export function examplesToVertexJsonl(examples: readonly TextExample[], systemInstruction?: string): string {
  let out = '';
  for (const example of examples) out += `${JSON.stringify(toVertexExample(example, systemInstruction))}\n`;
  return out;
}

export function toVertexExample(example: TextExample, systemInstruction?: string): VertexExample {
  const line: VertexExample = {
    contents: [
      { role: 'user', parts: [{ text: example.textInput }] },
      { role: 'model', parts: [{ text: example.output }] },
    ],
  };
  return systemInstruction ? { systemInstruction: { parts: [{ text: systemInstruction }] }, ...line } : line;
}

export interface DatasetProblem {
  /** 1-based line of the file. */
  readonly line: number;
  readonly message: string;
}

export interface DatasetCheck {
  readonly exampleCount: number;
  readonly problems: readonly DatasetProblem[];
  /** True when checking stopped at `maxProblems`. */
  readonly truncated: boolean;
}

const LINE_KEYS = new Set(['contents', 'systemInstruction', 'system_instruction', 'tools', 'toolConfig', 'tool_config']);
const PART_KINDS = ['text', 'fileData', 'file_data', 'inlineData', 'inline_data', 'functionCall', 'function_call', 'functionResponse', 'function_response'];

/**
 * Checks user-supplied Vertex JSONL before it is uploaded: every line a JSON object with
 * `contents` of alternating user and model turns that ends with a model turn, every part of a
 * known kind. Reports up to `maxProblems` problems with their line numbers; blank lines are allowed.
 */
export function checkVertexJsonl(text: string, opts: { maxProblems?: number } = {}): DatasetCheck {
  const maxProblems = opts.maxProblems ?? 50;
  const problems: DatasetProblem[] = [];
  let exampleCount = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line.trim() === '') continue;
    const lineNumber = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(i === 0 ? line.replace(/^\uFEFF/, '') : line);
    } catch (err) {
      problems.push({ line: lineNumber, message: `not valid JSON (${(err as Error).message}); each line holds one JSON object` });
    }
    if (value !== undefined) {
      const message = checkExample(value);
      if (message) problems.push({ line: lineNumber, message });
      else exampleCount++;
    }
    if (problems.length >= maxProblems) return { exampleCount, problems, truncated: i < lines.length - 1 };
  }
  if (exampleCount === 0 && problems.length === 0) problems.push({ line: 1, message: 'the file holds no examples; write one JSON object per line with "contents"' });
  return { exampleCount, problems, truncated: false };
}

/** One line's problem, or undefined when it is a valid example. */
export function checkExample(value: unknown): string | undefined {
  if (!isObject(value)) return `expected an object like {"contents": [{"role": "user", …}, {"role": "model", …}]}, found ${describe(value)}`;
  for (const key of Object.keys(value)) {
    if (!LINE_KEYS.has(key)) return `unknown field "${key}"; a line holds "contents" and optionally "systemInstruction"${key === 'messages' ? ' (the "messages" format is OpenAI\'s, not Vertex AI\'s)' : ''}`;
  }
  const system = value.systemInstruction ?? value.system_instruction;
  if (system !== undefined) {
    if (!isObject(system)) return `"systemInstruction" must be an object with "parts", found ${describe(system)}`;
    const problem = checkParts(system.parts, 'systemInstruction');
    if (problem) return problem;
  }
  const contents = value.contents;
  if (!Array.isArray(contents) || contents.length === 0) return '"contents" is required: a list of turns, user first, model last';
  let previous: string | undefined;
  for (let t = 0; t < contents.length; t++) {
    const turn: unknown = contents[t];
    const where = `contents[${t}]`;
    if (!isObject(turn)) return `${where} must be an object with "role" and "parts", found ${describe(turn)}`;
    const role = typeof turn.role === 'string' ? turn.role.toLowerCase() : undefined;
    if (role !== 'user' && role !== 'model') return `${where}.role must be "user" or "model", found ${describe(turn.role)}`;
    if (t === 0 && role !== 'user') return 'contents[0] must be a user turn';
    if (role === previous) return `${where} repeats the role "${role}"; user and model turns alternate`;
    previous = role;
    const problem = checkParts(turn.parts, where);
    if (problem) return problem;
  }
  if (previous !== 'model') return 'the last turn must be a model turn: the answer to learn';
  return undefined;
}

function checkParts(parts: unknown, where: string): string | undefined {
  const list = Array.isArray(parts) ? parts : isObject(parts) ? [parts] : undefined;
  if (!list || list.length === 0) return `${where}.parts must hold at least one part, e.g. [{"text": "…"}]`;
  for (let p = 0; p < list.length; p++) {
    const part: unknown = list[p];
    if (!isObject(part)) return `${where}.parts[${p}] must be an object such as {"text": "…"}, found ${describe(part)}`;
    const kinds = PART_KINDS.filter((k) => k in part);
    if (kinds.length !== 1) return `${where}.parts[${p}] must have exactly one of text, fileData, inlineData, functionCall or functionResponse${kinds.length > 1 ? `; it has ${kinds.join(' and ')}` : ''}`;
    if ((kinds[0] === 'text') && typeof part.text !== 'string') return `${where}.parts[${p}].text must be a string, found ${describe(part.text)}`;
    const file = part.fileData ?? part.file_data;
    if (file !== undefined) {
      const uri = isObject(file) ? (file.fileUri ?? file.file_uri) : undefined;
      if (typeof uri !== 'string' || !uri.startsWith('gs://')) return `${where}.parts[${p}].fileData.fileUri must be a gs:// URI`;
    }
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (value === undefined) return 'nothing';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
