import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Features read the backend-neutral model in core/tuning, never one API's tuned models, states or
 * operations, so that a second cloud API fits without touching them. Generation types
 * (Content, GenerateContentRequest/Response...) are shared by the Gemini API and Vertex AI and stay allowed.
 */
const GEMINI_TUNING_TYPES = {
  group: ['**/api/types'],
  importNames: [
    'TunedModel',
    'TunedModelSource',
    'TuningTask',
    'TuningSnapshot',
    'Hyperparameters',
    'State',
    'Operation',
    'CreateTunedModelMetadata',
    'ListTunedModelsResponse',
    'ListOperationsResponse',
  ],
  message: 'features read TunedModelInfo from core/tuning/model; map wire types in core/tuning (geminiApi.ts) instead',
};

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test/fixtures/**', 'bench/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { console: 'readonly', process: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'CallExpression[callee.property.name="only"][callee.object.name=/^(it|describe|test)$/]', message: 'focused test left in' },
      ],
      eqeqeq: ['error', 'smart'],
      curly: ['error', 'multi-line'],
    },
  },
  {
    files: ['src/core/**', 'src/server/**', 'src/webview/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'only src/extension imports vscode: the core, the server and the webviews run without it' }],
          patterns: [{ group: ['**/extension/**'], message: 'the editor layer depends on the core, never the other way round' }],
        },
      ],
    },
  },
  {
    files: ['src/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'the pure core never imports vscode' }],
          patterns: [{ group: ['**/extension/**', '**/server/**', '**/webview/**'], message: 'the core is shared by every runtime and depends on none of them' }],
        },
      ],
    },
  },
  {
    files: ['src/extension/**', 'src/webview/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/server/**'], message: 'the local server is a separate process: reach it over HTTP' }] }],
    },
  },
  {
    files: ['src/core/tunedModels/**', 'src/core/lossChart/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'the pure core never imports vscode' }],
          patterns: [
            { group: ['**/extension/**', '**/server/**', '**/webview/**'], message: 'the core is shared by every runtime and depends on none of them' },
            GEMINI_TUNING_TYPES,
          ],
        },
      ],
    },
  },
  {
    files: ['src/extension/tree/**', 'src/extension/lossChart/**', 'src/extension/promptNotebook/**', 'src/extension/tuningSpecEditor/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/server/**'], message: 'the local server is a separate process: reach it over HTTP' }, GEMINI_TUNING_TYPES] },
      ],
    },
  },
);
