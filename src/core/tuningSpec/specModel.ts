import { type DataFormat, type ExamplesFileRef } from './dataFiles';
import { type JsonPath } from './yamlSource';

export interface SpecExample {
  textInput: string;
  output: string;
}

export type ExamplesFileEntry = string | ExamplesFileRef;

/** A tuning spec as written (after the schema accepted it). */
export interface TuningSpec {
  /** `vertex` for a Vertex AI tuning job; absent or `gemini-api` for the Gemini API. */
  platform?: 'gemini-api' | 'vertex';
  displayName?: string;
  description?: string;
  tunedModelId?: string;
  baseModel?: string;
  tunedModelSource?: { tunedModel: string };
  temperature?: number;
  topP?: number;
  topK?: number;
  readerProjectNumbers?: (string | number)[];
  hyperparameters?: {
    learningRate?: number;
    learningRateMultiplier?: number;
    epochCount?: number;
    batchSize?: number;
    /** Vertex AI only. */
    adapterSize?: number;
  };
  /** Vertex AI only: the system instruction of every converted example. */
  systemInstruction?: string;
  /** Vertex AI only: labels of the tuning job. */
  labels?: Record<string, string>;
  /** Vertex AI only: training data in Vertex AI's JSONL. */
  contentsFile?: string;
  examples?: SpecExample[];
  examplesFile?: ExamplesFileEntry | ExamplesFileEntry[];
  validation?: {
    examples?: SpecExample[];
    examplesFile?: ExamplesFileEntry | ExamplesFileEntry[];
    /** Vertex AI only. */
    contentsFile?: string;
  };
}

/** An examples file entry with the data path of its place in the spec, for diagnostics. */
export interface LocatedFileRef extends ExamplesFileRef {
  at: JsonPath;
}

function isFormat(value: unknown): value is DataFormat {
  return value === 'jsonl' || value === 'csv' || value === 'tsv' || value === 'json';
}

/** The well-formed entries of an `examplesFile` value (malformed ones are the schema's business). */
export function fileRefsOf(value: unknown, at: JsonPath): LocatedFileRef[] {
  const entries = Array.isArray(value) ? value.map((v, i) => [v, [...at, i]] as const) : [[value, at] as const];
  const refs: LocatedFileRef[] = [];
  for (const [entry, entryPath] of entries) {
    if (typeof entry === 'string' && entry.trim() !== '') {
      refs.push({ path: entry, at: entryPath });
    } else if (entry && typeof entry === 'object' && typeof (entry as { path?: unknown }).path === 'string') {
      const e = entry as { path: string; format?: unknown; columns?: { textInput?: unknown; output?: unknown } };
      if (e.path.trim() === '') continue;
      const columns = e.columns && typeof e.columns === 'object'
        ? {
            textInput: typeof e.columns.textInput === 'string' ? e.columns.textInput : undefined,
            output: typeof e.columns.output === 'string' ? e.columns.output : undefined,
          }
        : undefined;
      refs.push({ path: e.path, format: isFormat(e.format) ? e.format : undefined, columns, at: [...entryPath, 'path'] });
    }
  }
  return refs;
}
