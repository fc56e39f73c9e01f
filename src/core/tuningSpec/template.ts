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

export interface SpecTemplateOptions {
  readonly displayName: string;
  /** Where the training examples are, relative to the spec. */
  readonly examplesFile: string;
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
examplesFile: ${yamlPath(options.examplesFile)}
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
    : `# validation:
#   examplesFile: held-out.jsonl`
}
`;
}

/** A path as a YAML scalar: plain when that reads back the same, else double-quoted. */
function yamlPath(path: string): string {
  return /^[\w./-]+$/.test(path) && !path.startsWith('-') ? path : JSON.stringify(path);
}
