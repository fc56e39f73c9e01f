import { type TunedModelInfo } from '../tuning/model';

const SAMPLE_PROMPT = 'Hello';

/** Quotes a value for a POSIX shell: single quotes, with embedded quotes closed and reopened. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * A curl command that calls the model. The key is never inlined: the shell expands
 * `$GEMINI_API_KEY` when the command runs, so a copied snippet can be shared safely.
 */
export function curlSnippet(model: Pick<TunedModelInfo, 'generationModel' | 'name'>, baseUrl: string, options: { withKey: boolean }): string {
  const url = `${baseUrl.replace(/\/+$/, '')}/v1beta/${model.generationModel ?? model.name}:generateContent`;
  const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: SAMPLE_PROMPT }] }] });
  const lines = [`curl -sS -X POST ${shellQuote(url)}`, `  -H 'Content-Type: application/json'`];
  if (options.withKey) lines.push(`  -H "x-goog-api-key: $GEMINI_API_KEY"`);
  lines.push(`  -d ${shellQuote(body)}`);
  return lines.join(' \\\n');
}

/**
 * A TypeScript snippet for `@google/genai` that calls the model. The key comes from the
 * environment. The local tuning server needs none, but without one the SDK looks for Google
 * Cloud credentials instead, so the snippet passes a placeholder there.
 */
export function typeScriptSnippet(model: Pick<TunedModelInfo, 'generationModel' | 'name'>, baseUrl: string, options: { defaultBaseUrl: boolean; withKey: boolean }): string {
  const httpOptions = options.defaultBaseUrl ? '' : `\n  httpOptions: { baseUrl: ${JSON.stringify(baseUrl.replace(/\/+$/, ''))} },`;
  const apiKey = options.withKey ? 'process.env.GEMINI_API_KEY,' : `'unused', // the local tuning server needs no key`;
  return [
    `import { GoogleGenAI } from '@google/genai';`,
    ``,
    `const ai = new GoogleGenAI({`,
    `  apiKey: ${apiKey}${httpOptions}`,
    `});`,
    ``,
    `const response = await ai.models.generateContent({`,
    `  model: ${JSON.stringify(model.generationModel ?? model.name)},`,
    `  contents: ${JSON.stringify(SAMPLE_PROMPT)},`,
    `});`,
    `console.log(response.text);`,
    ``,
  ].join('\n');
}

const VERTEX_API_VERSION = 'v1';

/** The endpoint a Vertex AI model answers on, and the project and location its name holds. */
function vertexEndpointOf(model: Pick<TunedModelInfo, 'generationModel' | 'name'>): { endpoint: string; project: string; location: string } {
  const endpoint = model.generationModel;
  const m = endpoint ? /^projects\/([^/]+)\/locations\/([^/]+)\//.exec(endpoint) : null;
  if (!endpoint || !m) throw new Error(`${model.name} has no endpoint yet: a Vertex AI tuning job serves only once it has succeeded.`);
  return { endpoint, project: m[1], location: m[2] };
}

/**
 * How a Vertex AI snippet signs in: with Google credentials (gcloud, Application Default
 * Credentials), or at a local tuning server's twin, which takes its API key as the bearer token,
 * or anything when it has no key.
 */
export type VertexSnippetAuth = { kind: 'googleCredentials' } | { kind: 'localServer'; withKey: boolean };

/**
 * A curl command that calls a Vertex AI tuned endpoint. The token is never inlined: the shell
 * asks gcloud for one (or expands `$GEMINI_API_KEY`, for a local server with a key) when the
 * command runs, and it goes in the Authorization header.
 */
export function vertexCurlSnippet(model: Pick<TunedModelInfo, 'generationModel' | 'name'>, baseUrl: string, auth: VertexSnippetAuth = { kind: 'googleCredentials' }): string {
  const { endpoint } = vertexEndpointOf(model);
  const url = `${baseUrl.replace(/\/+$/, '')}/${VERTEX_API_VERSION}/${endpoint}:generateContent`;
  const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: SAMPLE_PROMPT }] }] });
  const lines = [`curl -sS -X POST ${shellQuote(url)}`, `  -H 'Content-Type: application/json'`];
  if (auth.kind === 'googleCredentials') lines.push(`  -H "Authorization: Bearer $(gcloud auth print-access-token)"`);
  else if (auth.withKey) lines.push(`  -H "Authorization: Bearer $GEMINI_API_KEY"`);
  lines.push(`  -d ${shellQuote(body)}`);
  return lines.join(' \\\n');
}

/**
 * A TypeScript snippet for `@google/genai` in Vertex AI mode, signed in with Application Default
 * Credentials, or, at a local server's twin, with a fixed token that needs no Google account.
 */
export function vertexTypeScriptSnippet(
  model: Pick<TunedModelInfo, 'generationModel' | 'name'>,
  baseUrl: string,
  options: { defaultBaseUrl: boolean; auth?: VertexSnippetAuth },
): string {
  const { endpoint, project, location } = vertexEndpointOf(model);
  const httpOptions = options.defaultBaseUrl ? '' : `\n  httpOptions: { baseUrl: ${JSON.stringify(baseUrl.replace(/\/+$/, ''))} },`;
  const auth = options.auth ?? { kind: 'googleCredentials' };
  const signIn =
    auth.kind === 'googleCredentials'
      ? [`import { GoogleGenAI } from '@google/genai';`, ``, `// Signs in with Application Default Credentials: run \`gcloud auth application-default login\` once.`]
      : [
          `import { GoogleGenAI } from '@google/genai';`,
          `import { OAuth2Client } from 'google-auth-library';`,
          ``,
          auth.withKey
            ? `// The local tuning server takes its API key as the token: no Google account is needed.`
            : `// The local tuning server takes any token: no Google account is needed.`,
          `const authClient = new OAuth2Client();`,
          `authClient.setCredentials({ access_token: ${auth.withKey ? 'process.env.GEMINI_API_KEY' : `'unused'`} });`,
        ];
  return [
    ...signIn,
    `const ai = new GoogleGenAI({`,
    `  vertexai: true,`,
    `  project: ${JSON.stringify(project)},`,
    `  location: ${JSON.stringify(location)},`,
    `  apiVersion: ${JSON.stringify(VERTEX_API_VERSION)},${auth.kind === 'localServer' ? '\n  googleAuthOptions: { authClient },' : ''}${httpOptions}`,
    `});`,
    ``,
    `const response = await ai.models.generateContent({`,
    `  model: ${JSON.stringify(endpoint)},`,
    `  contents: ${JSON.stringify(SAMPLE_PROMPT)},`,
    `});`,
    `console.log(response.text);`,
    ``,
  ].join('\n');
}

/**
 * A tuning spec that tunes `model` further: it names the model as `tunedModelSource` and keeps
 * its hyperparameters. The training data is left for the person to add.
 */
export function tuneAgainSpec(model: TunedModelInfo): string {
  const label = model.displayName?.trim() || (model.name ?? '').replace(/^tunedModels\//, '');
  const displayName = `${label} (again)`.slice(0, 40);
  const hp = model.hyperparameters ?? {};
  const hyperparameters = [
    hp.epochCount !== undefined ? `  epochCount: ${hp.epochCount}` : '  epochCount: 5',
    hp.batchSize !== undefined ? `  batchSize: ${hp.batchSize}` : undefined,
    hp.learningRate !== undefined ? `  learningRate: ${hp.learningRate}` : undefined,
    hp.learningRateMultiplier !== undefined && hp.learningRate === undefined ? `  learningRateMultiplier: ${hp.learningRateMultiplier}` : undefined,
  ].filter((l): l is string => l !== undefined);
  const { temperature, topP, topK } = model.sampling;
  const sampling = [
    temperature !== undefined ? `temperature: ${temperature}` : undefined,
    topP !== undefined ? `topP: ${topP}` : undefined,
    topK !== undefined ? `topK: ${topK}` : undefined,
  ].filter((l): l is string => l !== undefined);
  return [
    `# Tunes ${model.name} further, starting from its weights.`,
    `# Add training examples below, then run "Gemini Tuning: Create Tuned Model from Spec".`,
    ``,
    `displayName: ${JSON.stringify(displayName)}`,
    ...(model.description ? [`description: ${JSON.stringify(model.description)}`] : []),
    `tunedModelSource:`,
    `  tunedModel: ${JSON.stringify(model.name)}`,
    ...sampling,
    ``,
    `hyperparameters:`,
    ...hyperparameters,
    ``,
    `# Training examples: in files next to this spec (JSONL, CSV with a header, or a JSON array)...`,
    `# examplesFile: examples.jsonl`,
    `# ...and/or inline:`,
    `examples:`,
    `  - textInput: "replace with an input"`,
    `    output: "replace with the output you want"`,
    ``,
  ].join('\n');
}
