/** Examples for a new spec: emoji → name, short enough for a small model to learn in minutes. */
export const SAMPLE_EXAMPLES: readonly { textInput: string; output: string }[] = [
  { textInput: '🍎', output: 'red apple' },
  { textInput: '🍌', output: 'banana' },
  { textInput: '🍇', output: 'grapes' },
  { textInput: '🍉', output: 'watermelon' },
  { textInput: '🍋', output: 'lemon' },
  { textInput: '🍒', output: 'cherries' },
  { textInput: '🍓', output: 'strawberry' },
  { textInput: '🥝', output: 'kiwi fruit' },
  { textInput: '🍍', output: 'pineapple' },
  { textInput: '🥥', output: 'coconut' },
  { textInput: '🐶', output: 'dog face' },
  { textInput: '🐱', output: 'cat face' },
  { textInput: '🦊', output: 'fox' },
  { textInput: '🐼', output: 'panda' },
  { textInput: '🐸', output: 'frog' },
  { textInput: '🦉', output: 'owl' },
  { textInput: '🐙', output: 'octopus' },
  { textInput: '🚀', output: 'rocket' },
  { textInput: '🌈', output: 'rainbow' },
  { textInput: '⛄', output: 'snowman without snow' },
];

export const SAMPLE_VALIDATION: readonly { textInput: string; output: string }[] = [
  { textInput: '🍑', output: 'peach' },
  { textInput: '🐧', output: 'penguin' },
];

export function sampleExamplesJsonl(): string {
  return SAMPLE_EXAMPLES.map((e) => JSON.stringify(e)).join('\n') + '\n';
}

/** A data file as the spec names it: a path relative to the spec, and the columns when they are not `textInput` and `output`. */
export interface TemplateDataFile {
  readonly path: string;
  readonly columns?: { readonly textInput: string; readonly output: string };
}

export interface SpecTemplateOptions {
  readonly displayName: string;
  /** Where the training examples are, relative to the spec. */
  readonly examplesFile: string | TemplateDataFile;
  /** Where the held-out examples are, relative to the spec (only with data of one's own). */
  readonly validationFile?: string | TemplateDataFile;
  /** Comment lines saying where the data came from. */
  readonly origin?: readonly string[];
  /** The id the commented-out `tunedModelId` line offers. */
  readonly tunedModelId?: string;
  /** `sample` (the default): the examples file holds the sample data, whose description and held-out examples come along. */
  readonly data?: 'sample' | 'own';
}

/** A commented spec that shows every field; with the sample data it validates as is. */
export function specTemplate(options: SpecTemplateOptions): string {
  const name = options.displayName.slice(0, 40).replace(/"/g, "'");
  const sample = (options.data ?? 'sample') === 'sample';
  return `# Gemini tuning spec. Run "Gemini Tuning: Create Tuned Model from Spec" to tune a model from it.
# The summary line above shows how the backend will train it.

# Name shown for the tuned model (at most 40 characters).
displayName: "${name}"
${sample ? 'description: Names the emoji it is given.' : '# description: What the tuned model does.'}
# Optional id: the model becomes tunedModels/<id>. Lowercase letters, digits and hyphens.
# tunedModelId: ${options.tunedModelId ?? 'emoji-namer'}

# The model to tune (or tunedModelSource: {tunedModel: tunedModels/...} to tune a tuned model further).
baseModel: models/gemini-1.5-flash-001-tuning

# Sampling defaults of the tuned model; they default to the base model's values.
# temperature: 0.2   # 0 to 1
# topP: 0.95         # 0 to 1
# topK: 40

hyperparameters:
  epochCount: 5
  batchSize: 4
  # Either learningRate or learningRateMultiplier, not both.
  learningRateMultiplier: 1.0

# Training examples: in files next to this spec (JSONL, CSV with a header, or a JSON array)...
${(options.origin ?? []).map((line) => `# ${line}\n`).join('')}examplesFile:${dataFileYaml(options.examplesFile, '')}
# ...and/or inline:
# examples:
#   - textInput: "🦄"
#     output: unicorn

# Held-out examples to evaluate the tuned model; they are not trained on.
${
  sample
    ? `validation:
  examples:
${SAMPLE_VALIDATION.map((e) => `    - textInput: "${e.textInput}"\n      output: ${e.output}`).join('\n')}`
    : options.validationFile
      ? `validation:
  examplesFile:${dataFileYaml(options.validationFile, '  ')}`
      : `# validation:
#   examplesFile: held-out.jsonl`
}
`;
}

/** The value of an `examplesFile` key, after its colon: a path, or path and columns on lines indented below `indent`. */
function dataFileYaml(file: string | TemplateDataFile, indent: string): string {
  const entry = typeof file === 'string' ? { path: file } : file;
  const columns = entry.columns && (entry.columns.textInput !== 'textInput' || entry.columns.output !== 'output') ? entry.columns : undefined;
  if (!columns) return ` ${yamlPath(entry.path)}`;
  return `\n${indent}  path: ${yamlPath(entry.path)}\n${indent}  columns:\n${indent}    textInput: ${yamlScalar(columns.textInput)}\n${indent}    output: ${yamlScalar(columns.output)}`;
}

/** A column name as a YAML scalar: plain when that reads back the same string, else double-quoted. */
function yamlScalar(text: string): string {
  return /^[A-Za-z_][\w -]*$/.test(text) && !/\s$/.test(text) && !/^(true|false|null|yes|no|on|off|y|n|~)$/i.test(text) ? text : JSON.stringify(text);
}

/** A path as a YAML scalar: plain when that reads back the same, else double-quoted. */
function yamlPath(path: string): string {
  return /^[\w./-]+$/.test(path) && !path.startsWith('-') ? path : JSON.stringify(path);
}
