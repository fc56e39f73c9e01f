import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import schema from '../../../schemas/tuning-spec.schema.json';
import { didYouMean } from './didYouMean';
import { formatCount, type SpecDiagnostic } from './diagnostics';
import { type JsonPath, type YamlSource } from './yamlSource';

export const tuningSpecSchema = schema;

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: false });
    // `errorMessage` is read here and by the YAML language server; for ajv it is an annotation.
    ajv.addKeyword({ keyword: 'errorMessage', schemaType: ['string', 'object'] });
    compiled = ajv.compile(schema);
  }
  return compiled;
}

function pathOf(instancePath: string): (string | number)[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** `["examples", 3, "output"]` → `examples[3].output`; the root is "The spec". */
export function labelOf(path: JsonPath): string {
  if (path.length === 0) return 'The spec';
  let label = '';
  for (const segment of path) label += typeof segment === 'number' ? `[${segment}]` : label ? `.${segment}` : segment;
  return label;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value lines)',
  null: 'empty',
};

function typeWords(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  return types.map((t) => TYPE_WORDS[String(t)] ?? String(t)).join(' or ');
}

function customMessage(error: ErrorObject): string | undefined {
  const parent = error.parentSchema as { errorMessage?: string | Record<string, string> } | undefined;
  const custom = parent?.errorMessage;
  if (typeof custom === 'string') return custom;
  return custom?.[error.keyword];
}

function describe(error: ErrorObject, label: string): string {
  const custom = customMessage(error);
  if (custom) return custom;
  const parent = (error.parentSchema ?? {}) as Record<string, unknown>;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type': {
      const hint = typeof error.data === 'number' && params.type === 'string' ? `; put it in quotes: "${String(error.data)}"` : '';
      return `${label} must be ${typeWords(params.type)}${hint}`;
    }
    case 'required':
      return `${label} is missing "${String(params.missingProperty)}"`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const low = parent.minimum ?? parent.exclusiveMinimum;
      const high = parent.maximum ?? parent.exclusiveMaximum;
      if (low !== undefined && high !== undefined) return `${label} must be between ${String(low)} and ${String(high)} (it is ${String(error.data)})`;
      if (error.keyword === 'exclusiveMinimum') return `${label} must be greater than ${String(params.limit)} (it is ${String(error.data)})`;
      if (error.keyword === 'minimum') return `${label} must be at least ${String(params.limit)} (it is ${String(error.data)})`;
      return `${label} must be at most ${String(params.limit)} (it is ${String(error.data)})`;
    }
    case 'maxLength':
      return `${label} is ${formatCount(String(error.data).length)} characters long; the maximum is ${formatCount(Number(params.limit))}`;
    case 'minLength':
      return Number(params.limit) === 1 ? `${label} must not be empty` : `${label} must be at least ${formatCount(Number(params.limit))} characters long`;
    case 'minItems':
      return Number(params.limit) === 1 ? `${label} must not be an empty list` : `${label} must have at least ${formatCount(Number(params.limit))} items`;
    case 'enum':
      return `${label} must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'pattern':
      return `${label} does not have the expected form (${String(params.pattern)})`;
    default:
      return `${label}: ${error.message ?? 'is not valid'}`;
  }
}

/** Known property names of the schema object that reported `additionalProperties`. */
function knownKeys(error: ErrorObject): string[] {
  const parent = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
  return Object.keys(parent?.properties ?? {});
}

/** Whether `path` is an inline example's `textInput` or `output`, whose schema limits are the Gemini API's. */
export function isExampleTextPath(path: JsonPath): boolean {
  const at = path[0] === 'validation' ? path.slice(1) : path;
  return at.length === 3 && at[0] === 'examples' && typeof at[1] === 'number' && (at[2] === 'textInput' || at[2] === 'output');
}

/**
 * Runs the JSON Schema over the spec's data and maps every ajv error back to the YAML node it is
 * about. Unknown keys are warnings with a suggestion; everything else is an error.
 * `exampleCharacterLimits: false` leaves out the Gemini API's character limits of inline examples,
 * for a platform that limits them otherwise (Vertex AI, by tokens).
 */
export function schemaDiagnostics(source: YamlSource, data: unknown, options: { exampleCharacterLimits?: boolean } = {}): SpecDiagnostic[] {
  const validate = validator();
  const all = validate(data) ? [] : (validate.errors ?? []);
  const errors = options.exampleCharacterLimits === false ? all.filter((e) => !(e.keyword === 'maxLength' && isExampleTextPath(pathOf(e.instancePath)))) : all;
  // A custom message on a combinator replaces the errors of its branches.
  const summarized = errors.filter((e) => ['anyOf', 'oneOf', 'not'].includes(e.keyword) && customMessage(e)).map((e) => `${e.schemaPath}/`);
  const out: SpecDiagnostic[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    // `if` and `propertyNames` wrap the error that says what is wrong, which is reported on its own.
    if (error.keyword === 'if' || error.keyword === 'propertyNames') continue;
    if (summarized.some((prefix) => error.schemaPath.startsWith(prefix))) continue;
    const path = pathOf(error.instancePath);
    let diagnostic: SpecDiagnostic;
    if (error.keyword === 'additionalProperties') {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      const suggestion = didYouMean(key, knownKeys(error));
      const where = path.length === 0 ? 'in the spec' : `in ${labelOf(path)}`;
      diagnostic = {
        file: source.file,
        range: source.keyRange(path, key),
        severity: 'warning',
        code: 'unknown-key',
        message: `Unknown key "${key}" ${where}${suggestion ? `. Did you mean "${suggestion}"?` : ''}`,
      };
    } else if (error.keyword === 'not') {
      const both = ((error.schema as { required?: string[] } | undefined)?.required ?? []).slice(-1)[0];
      diagnostic = {
        file: source.file,
        range: both ? source.keyRange(path, both) : source.valueRange(path),
        severity: 'error',
        code: 'schema',
        message: describe(error, labelOf(path)),
      };
    } else if (error.keyword === 'required' || error.keyword === 'anyOf') {
      const { key } = source.locate(path);
      diagnostic = {
        file: source.file,
        range: path.length === 0 ? source.firstContentLine() : key ? source.nodeRange(key) : source.valueRange(path),
        severity: 'error',
        code: 'schema',
        message: describe(error, labelOf(path)),
      };
    } else {
      diagnostic = { file: source.file, range: source.valueRange(path), severity: 'error', code: 'schema', message: describe(error, labelOf(path)) };
    }
    const id = `${diagnostic.message}@${JSON.stringify(diagnostic.range)}`;
    if (!seen.has(id)) {
      seen.add(id);
      out.push(diagnostic);
    }
  }
  const reported = new Set(errors.map((e) => e.instancePath));
  for (const { path, value } of nonFiniteNumbers(data)) {
    if (reported.has(pointerOf(path))) continue;
    out.push({ file: source.file, range: source.valueRange(path), severity: 'error', code: 'schema', message: `${labelOf(path)} must be a finite number; YAML reads this value as ${String(value)}` });
  }
  return out;
}

/**
 * YAML reads `.inf`, `.nan` and `1e400` as numbers that JSON cannot carry (they would be sent as
 * null), and ajv's `number` and `integer` types let them through.
 */
function nonFiniteNumbers(data: unknown, path: (string | number)[] = [], out: { path: JsonPath; value: number }[] = []): { path: JsonPath; value: number }[] {
  if (typeof data === 'number') {
    if (!Number.isFinite(data)) out.push({ path, value: data });
  } else if (Array.isArray(data)) {
    data.forEach((item, i) => nonFiniteNumbers(item, [...path, i], out));
  } else if (data && typeof data === 'object') {
    for (const [key, value] of Object.entries(data)) nonFiniteNumbers(value, [...path, key], out);
  }
  return out;
}

function pointerOf(path: readonly (string | number)[]): string {
  return path.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}
