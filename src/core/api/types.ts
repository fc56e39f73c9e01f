// Wire types of the Gemini API v1beta: tunedModels, their operations and permissions, base models,
// and generateContent / streamGenerateContent. Field names are the ProtoJSON lowerCamelCase names.
// Conventions: int64 values are JSON strings, Timestamp is an RFC 3339 string, Duration is a string
// such as "1.5s", bytes are base64 strings, enums are their string names.

/** RFC 3339 timestamp with a `Z` suffix, e.g. `"2024-10-21T21:42:55.748537Z"`. */
export type Timestamp = string;
/** Duration such as `"47s"` or `"1.5s"`. */
export type Duration = string;
/** An int64 value, written by ProtoJSON as a decimal string. */
export type Int64 = string;
/** Base64-encoded bytes. */
export type Bytes = string;
/** `google.protobuf.Struct`. */
export type JsonObject = { [key: string]: JsonValue };
/** `google.protobuf.Value`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** `google.protobuf.Empty`. */
export type Empty = Record<string, never>;

// ─── Tuned models ────────────────────────────────────────────────────────────────────────────

export type State = 'STATE_UNSPECIFIED' | 'CREATING' | 'ACTIVE' | 'FAILED';

export interface TunedModel {
  /** Output only, e.g. `tunedModels/sentence-translator-u3b7m`. */
  name?: string;
  /** Exactly one of `tunedModelSource` and `baseModel` is set. */
  tunedModelSource?: TunedModelSource;
  /** Immutable, e.g. `models/gemini-1.5-flash-001-tuning`. */
  baseModel?: string;
  /** At most 40 characters. */
  displayName?: string;
  description?: string;
  temperature?: number;
  topP?: number;
  topK?: number;
  /** Output only. */
  state?: State;
  /** Output only. */
  createTime?: Timestamp;
  /** Output only. */
  updateTime?: Timestamp;
  tuningTask?: TuningTask;
  readerProjectNumbers?: Int64[];
}

export interface TunedModelSource {
  /** Immutable, `tunedModels/...`. */
  tunedModel?: string;
  /** Output only. */
  baseModel?: string;
}

export interface TuningTask {
  /** Output only. */
  startTime?: Timestamp;
  /** Output only. */
  completeTime?: Timestamp;
  /** Output only. */
  snapshots?: TuningSnapshot[];
  /** Required on create, input only: never returned. */
  trainingData?: Dataset;
  hyperparameters?: Hyperparameters;
}

export interface Hyperparameters {
  /** One of `learningRate` and `learningRateMultiplier`. */
  learningRate?: number;
  learningRateMultiplier?: number;
  epochCount?: number;
  batchSize?: number;
}

export interface Dataset {
  examples?: TuningExamples;
}

export interface TuningExamples {
  examples?: TuningExample[];
}

export interface TuningExample {
  textInput?: string;
  /** Required. */
  output: string;
}

export interface TuningSnapshot {
  step?: number;
  epoch?: number;
  meanLoss?: number;
  computeTime?: Timestamp;
}

export interface ListTunedModelsResponse {
  tunedModels?: TunedModel[];
  nextPageToken?: string;
}

export interface TransferOwnershipRequest {
  emailAddress: string;
}

// ─── Long-running operations ─────────────────────────────────────────────────────────────────

export const CREATE_TUNED_MODEL_METADATA_TYPE =
  'type.googleapis.com/google.ai.generativelanguage.v1beta.CreateTunedModelMetadata';
export const TUNED_MODEL_TYPE = 'type.googleapis.com/google.ai.generativelanguage.v1beta.TunedModel';

/** A `google.protobuf.Any`: the message's fields next to its `@type`. */
export type Any<T extends object = Record<string, unknown>, TypeUrl extends string = string> = T & {
  '@type': TypeUrl;
};

export interface CreateTunedModelMetadata {
  tunedModel?: string;
  totalSteps?: number;
  completedSteps?: number;
  /** 0–100. */
  completedPercent?: number;
  snapshots?: TuningSnapshot[];
}

/** `google.rpc.Status` as found in `Operation.error`: `code` is the RPC code number (3 = INVALID_ARGUMENT). */
export interface Status {
  code?: number;
  message?: string;
  details?: ErrorDetail[];
}

/**
 * `google.longrunning.Operation`. `done` is omitted while false; `error` or `response` appears only
 * when done.
 */
export interface Operation<M extends object = CreateTunedModelMetadata, R extends object = TunedModel> {
  name?: string;
  metadata?: Any<M>;
  done?: boolean;
  error?: Status;
  response?: Any<R>;
}

export interface ListOperationsResponse<M extends object = CreateTunedModelMetadata, R extends object = TunedModel> {
  operations?: Operation<M, R>[];
  nextPageToken?: string;
  unreachable?: string[];
}

// ─── Permissions ─────────────────────────────────────────────────────────────────────────────

export type GranteeType = 'GRANTEE_TYPE_UNSPECIFIED' | 'USER' | 'GROUP' | 'EVERYONE';
export type Role = 'ROLE_UNSPECIFIED' | 'OWNER' | 'WRITER' | 'READER';

export interface Permission {
  /** Output only: `tunedModels/{tuned_model}/permissions/{permission}`. */
  name?: string;
  granteeType?: GranteeType;
  /** Required for USER and GROUP, absent for EVERYONE. */
  emailAddress?: string;
  role: Role;
}

export interface ListPermissionsResponse {
  permissions?: Permission[];
  nextPageToken?: string;
}

// ─── Base models ─────────────────────────────────────────────────────────────────────────────

export interface Model {
  name: string;
  baseModelId?: string;
  version?: string;
  displayName?: string;
  description?: string;
  inputTokenLimit?: number;
  outputTokenLimit?: number;
  /** e.g. `["generateContent", "countTokens", "createTunedModel"]`. */
  supportedGenerationMethods?: string[];
  temperature?: number;
  maxTemperature?: number;
  topP?: number;
  topK?: number;
  thinking?: boolean;
}

export interface ListModelsResponse {
  models?: Model[];
  nextPageToken?: string;
}

// ─── Content ─────────────────────────────────────────────────────────────────────────────────

export type ContentRole = 'user' | 'model';

export interface Content {
  parts?: Part[];
  role?: ContentRole | (string & {});
}

export interface Blob {
  mimeType: string;
  data: Bytes;
}

export interface FunctionCall {
  id?: string;
  name: string;
  args?: JsonObject;
}

export type FunctionResponseScheduling = 'SCHEDULING_UNSPECIFIED' | 'SILENT' | 'WHEN_IDLE' | 'INTERRUPT';

export interface FunctionResponseBlob {
  mimeType?: string;
  data?: Bytes;
}

export interface FunctionResponsePart {
  inlineData?: FunctionResponseBlob;
}

export interface FunctionResponse {
  id?: string;
  name: string;
  response: JsonObject;
  parts?: FunctionResponsePart[];
  willContinue?: boolean;
  scheduling?: FunctionResponseScheduling;
}

export interface FileData {
  mimeType?: string;
  fileUri: string;
}

export type ExecutableCodeLanguage = 'LANGUAGE_UNSPECIFIED' | 'PYTHON';

export interface ExecutableCode {
  language: ExecutableCodeLanguage;
  code: string;
}

export type CodeExecutionOutcome =
  | 'OUTCOME_UNSPECIFIED'
  | 'OUTCOME_OK'
  | 'OUTCOME_FAILED'
  | 'OUTCOME_DEADLINE_EXCEEDED';

export interface CodeExecutionResult {
  outcome: CodeExecutionOutcome;
  output?: string;
}

export interface VideoMetadata {
  startOffset?: Duration;
  endOffset?: Duration;
  fps?: number;
}

/** Fields every Part may carry next to its one `data` member. */
interface PartCommon {
  videoMetadata?: VideoMetadata;
  thought?: boolean;
  thoughtSignature?: Bytes;
  partMetadata?: JsonObject;
}

type PartData = {
  text: string;
  inlineData: Blob;
  functionCall: FunctionCall;
  functionResponse: FunctionResponse;
  fileData: FileData;
  executableCode: ExecutableCode;
  codeExecutionResult: CodeExecutionResult;
};

/** One member of `PartData`, the others absent. */
type OneOf<T> = { [K in keyof T]: Pick<T, K> & { [O in Exclude<keyof T, K>]?: undefined } }[keyof T];

export type TextPart = PartCommon & { text: string };
export type InlineDataPart = PartCommon & { inlineData: Blob };
export type FunctionCallPart = PartCommon & { functionCall: FunctionCall };
export type FunctionResponsePartUnion = PartCommon & { functionResponse: FunctionResponse };
export type FileDataPart = PartCommon & { fileData: FileData };
export type ExecutableCodePart = PartCommon & { executableCode: ExecutableCode };
export type CodeExecutionResultPart = PartCommon & { codeExecutionResult: CodeExecutionResult };

/** A Part holds exactly one of its data members (`text`, `inlineData`, `functionCall`, …). */
export type Part = PartCommon & OneOf<PartData>;

// ─── Safety ──────────────────────────────────────────────────────────────────────────────────

export type HarmCategory =
  | 'HARM_CATEGORY_UNSPECIFIED'
  | 'HARM_CATEGORY_DEROGATORY'
  | 'HARM_CATEGORY_TOXICITY'
  | 'HARM_CATEGORY_VIOLENCE'
  | 'HARM_CATEGORY_SEXUAL'
  | 'HARM_CATEGORY_MEDICAL'
  | 'HARM_CATEGORY_DANGEROUS'
  | 'HARM_CATEGORY_HARASSMENT'
  | 'HARM_CATEGORY_HATE_SPEECH'
  | 'HARM_CATEGORY_SEXUALLY_EXPLICIT'
  | 'HARM_CATEGORY_DANGEROUS_CONTENT'
  | 'HARM_CATEGORY_CIVIC_INTEGRITY';

export type HarmBlockThreshold =
  | 'HARM_BLOCK_THRESHOLD_UNSPECIFIED'
  | 'BLOCK_LOW_AND_ABOVE'
  | 'BLOCK_MEDIUM_AND_ABOVE'
  | 'BLOCK_ONLY_HIGH'
  | 'BLOCK_NONE'
  | 'OFF';

export type HarmProbability = 'HARM_PROBABILITY_UNSPECIFIED' | 'NEGLIGIBLE' | 'LOW' | 'MEDIUM' | 'HIGH';

export interface SafetySetting {
  category: HarmCategory;
  threshold: HarmBlockThreshold;
}

export interface SafetyRating {
  category: HarmCategory;
  probability: HarmProbability;
  blocked?: boolean;
}

// ─── Tools ───────────────────────────────────────────────────────────────────────────────────

export type SchemaType = 'TYPE_UNSPECIFIED' | 'STRING' | 'NUMBER' | 'INTEGER' | 'BOOLEAN' | 'ARRAY' | 'OBJECT' | 'NULL';

export interface Schema {
  type?: SchemaType;
  format?: string;
  title?: string;
  description?: string;
  nullable?: boolean;
  enum?: string[];
  items?: Schema;
  maxItems?: Int64;
  minItems?: Int64;
  properties?: { [name: string]: Schema };
  required?: string[];
  minProperties?: Int64;
  maxProperties?: Int64;
  minimum?: number;
  maximum?: number;
  minLength?: Int64;
  maxLength?: Int64;
  pattern?: string;
  example?: JsonValue;
  anyOf?: Schema[];
  propertyOrdering?: string[];
  default?: JsonValue;
}

export type FunctionBehavior = 'UNSPECIFIED' | 'BLOCKING' | 'NON_BLOCKING';

export interface FunctionDeclaration {
  name: string;
  description?: string;
  behavior?: FunctionBehavior;
  parameters?: Schema;
  parametersJsonSchema?: JsonValue;
  response?: Schema;
  responseJsonSchema?: JsonValue;
}

export type DynamicRetrievalMode = 'MODE_UNSPECIFIED' | 'MODE_DYNAMIC';

export interface GoogleSearchRetrieval {
  dynamicRetrievalConfig?: { mode?: DynamicRetrievalMode; dynamicThreshold?: number };
}

export interface Tool {
  functionDeclarations?: FunctionDeclaration[];
  googleSearchRetrieval?: GoogleSearchRetrieval;
  codeExecution?: Empty;
  googleSearch?: { timeRangeFilter?: { startTime?: Timestamp; endTime?: Timestamp } };
  urlContext?: Empty;
  /** Tools added after this file was written pass through unchanged. */
  [other: string]: unknown;
}

export type FunctionCallingMode = 'MODE_UNSPECIFIED' | 'AUTO' | 'ANY' | 'NONE' | 'VALIDATED';

export interface ToolConfig {
  functionCallingConfig?: { mode?: FunctionCallingMode; allowedFunctionNames?: string[] };
  retrievalConfig?: { latLng?: { latitude: number; longitude: number }; languageCode?: string };
}

// ─── GenerateContent ─────────────────────────────────────────────────────────────────────────

export type Modality = 'MODALITY_UNSPECIFIED' | 'TEXT' | 'IMAGE' | 'AUDIO';
export type MediaResolution =
  | 'MEDIA_RESOLUTION_UNSPECIFIED'
  | 'MEDIA_RESOLUTION_LOW'
  | 'MEDIA_RESOLUTION_MEDIUM'
  | 'MEDIA_RESOLUTION_HIGH';

export interface VoiceConfig {
  prebuiltVoiceConfig?: { voiceName?: string };
}

export interface SpeechConfig {
  voiceConfig?: VoiceConfig;
  multiSpeakerVoiceConfig?: { speakerVoiceConfigs?: { speaker: string; voiceConfig: VoiceConfig }[] };
  languageCode?: string;
}

export interface ThinkingConfig {
  includeThoughts?: boolean;
  thinkingBudget?: number;
}

export interface ImageConfig {
  aspectRatio?: string;
}

export interface GenerationConfig {
  candidateCount?: number;
  /** Up to 5. */
  stopSequences?: string[];
  maxOutputTokens?: number;
  /** [0, 2]. */
  temperature?: number;
  topP?: number;
  topK?: number;
  seed?: number;
  responseMimeType?: 'text/plain' | 'application/json' | 'text/x.enum' | (string & {});
  responseSchema?: Schema;
  /** The proto's `response_json_schema` (json_name `_responseJsonSchema`). */
  _responseJsonSchema?: JsonValue;
  /** The public JSON-schema field (`response_json_schema_ordered`). */
  responseJsonSchema?: JsonValue;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseLogprobs?: boolean;
  /** 0–20, only with `responseLogprobs`. */
  logprobs?: number;
  enableEnhancedCivicAnswers?: boolean;
  responseModalities?: Modality[];
  speechConfig?: SpeechConfig;
  thinkingConfig?: ThinkingConfig;
  imageConfig?: ImageConfig;
  mediaResolution?: MediaResolution;
}

export interface GenerateContentRequest {
  contents: Content[];
  systemInstruction?: Content;
  tools?: Tool[];
  toolConfig?: ToolConfig;
  safetySettings?: SafetySetting[];
  generationConfig?: GenerationConfig;
  /** `cachedContents/{id}`. */
  cachedContent?: string;
}

export type FinishReason =
  | 'FINISH_REASON_UNSPECIFIED'
  | 'STOP'
  | 'MAX_TOKENS'
  | 'SAFETY'
  | 'RECITATION'
  | 'LANGUAGE'
  | 'OTHER'
  | 'BLOCKLIST'
  | 'PROHIBITED_CONTENT'
  | 'SPII'
  | 'MALFORMED_FUNCTION_CALL'
  | 'IMAGE_SAFETY'
  | 'IMAGE_PROHIBITED_CONTENT'
  | 'IMAGE_OTHER'
  | 'NO_IMAGE'
  | 'IMAGE_RECITATION'
  | 'UNEXPECTED_TOOL_CALL'
  | 'TOO_MANY_TOOL_CALLS';

export type BlockReason =
  | 'BLOCK_REASON_UNSPECIFIED'
  | 'SAFETY'
  | 'OTHER'
  | 'BLOCKLIST'
  | 'PROHIBITED_CONTENT'
  | 'IMAGE_SAFETY';

export interface CitationSource {
  startIndex?: number;
  endIndex?: number;
  uri?: string;
  license?: string;
}

export interface CitationMetadata {
  citationSources?: CitationSource[];
}

export interface LogprobsCandidate {
  token?: string;
  tokenId?: number;
  logProbability?: number;
}

export interface LogprobsResult {
  logProbabilitySum?: number;
  topCandidates?: { candidates?: LogprobsCandidate[] }[];
  chosenCandidates?: LogprobsCandidate[];
}

export type UrlRetrievalStatus =
  | 'URL_RETRIEVAL_STATUS_UNSPECIFIED'
  | 'URL_RETRIEVAL_STATUS_SUCCESS'
  | 'URL_RETRIEVAL_STATUS_ERROR'
  | 'URL_RETRIEVAL_STATUS_PAYWALL'
  | 'URL_RETRIEVAL_STATUS_UNSAFE';

export interface UrlContextMetadata {
  urlMetadata?: { retrievedUrl?: string; urlRetrievalStatus?: UrlRetrievalStatus }[];
}

export interface GroundingAttribution {
  sourceId?: {
    groundingPassage?: { passageId?: string; partIndex?: number };
    semanticRetrieverChunk?: { source?: string; chunk?: string };
  };
  content?: Content;
}

export interface GroundingMetadata {
  searchEntryPoint?: { renderedContent?: string; sdkBlob?: Bytes };
  groundingChunks?: { web?: { uri?: string; title?: string } }[];
  groundingSupports?: {
    segment?: { partIndex?: number; startIndex?: number; endIndex?: number; text?: string };
    groundingChunkIndices?: number[];
    confidenceScores?: number[];
  }[];
  retrievalMetadata?: { googleSearchDynamicRetrievalScore?: number };
  webSearchQueries?: string[];
}

export interface Candidate {
  /** Emitted even when 0. */
  index?: number;
  content?: Content;
  /** Absent while the candidate is still being generated. */
  finishReason?: FinishReason;
  finishMessage?: string;
  safetyRatings?: SafetyRating[];
  citationMetadata?: CitationMetadata;
  tokenCount?: number;
  groundingAttributions?: GroundingAttribution[];
  groundingMetadata?: GroundingMetadata;
  avgLogprobs?: number;
  logprobsResult?: LogprobsResult;
  urlContextMetadata?: UrlContextMetadata;
}

export interface PromptFeedback {
  blockReason?: BlockReason;
  safetyRatings?: SafetyRating[];
}

export type TokenModality = 'MODALITY_UNSPECIFIED' | 'TEXT' | 'IMAGE' | 'VIDEO' | 'AUDIO' | 'DOCUMENT';

export interface ModalityTokenCount {
  modality?: TokenModality;
  tokenCount?: number;
}

export interface UsageMetadata {
  promptTokenCount?: number;
  cachedContentTokenCount?: number;
  candidatesTokenCount?: number;
  toolUsePromptTokenCount?: number;
  thoughtsTokenCount?: number;
  totalTokenCount?: number;
  promptTokensDetails?: ModalityTokenCount[];
  cacheTokensDetails?: ModalityTokenCount[];
  candidatesTokensDetails?: ModalityTokenCount[];
  toolUsePromptTokensDetails?: ModalityTokenCount[];
}

export interface GenerateContentResponse {
  candidates?: Candidate[];
  promptFeedback?: PromptFeedback;
  usageMetadata?: UsageMetadata;
  modelVersion?: string;
  responseId?: string;
}

// ─── Errors (AIP-193 envelope, google/rpc/error_details.proto) ───────────────────────────────

export type RpcCode =
  | 'OK'
  | 'CANCELLED'
  | 'UNKNOWN'
  | 'INVALID_ARGUMENT'
  | 'DEADLINE_EXCEEDED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'PERMISSION_DENIED'
  | 'RESOURCE_EXHAUSTED'
  | 'FAILED_PRECONDITION'
  | 'ABORTED'
  | 'OUT_OF_RANGE'
  | 'UNIMPLEMENTED'
  | 'INTERNAL'
  | 'UNAVAILABLE'
  | 'DATA_LOSS'
  | 'UNAUTHENTICATED';

/** RPC code name → number, as used in `Operation.error.code`. */
export const RPC_CODE_NUMBERS: Readonly<Record<RpcCode, number>> = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
};

/** RPC code name → HTTP status, as used in the HTTP error envelope. */
export const RPC_CODE_HTTP_STATUS: Readonly<Record<RpcCode, number>> = {
  OK: 200,
  CANCELLED: 499,
  UNKNOWN: 500,
  INVALID_ARGUMENT: 400,
  DEADLINE_EXCEEDED: 504,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  PERMISSION_DENIED: 403,
  RESOURCE_EXHAUSTED: 429,
  FAILED_PRECONDITION: 400,
  ABORTED: 409,
  OUT_OF_RANGE: 400,
  UNIMPLEMENTED: 501,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DATA_LOSS: 500,
  UNAUTHENTICATED: 401,
};

const RPC_TYPE_PREFIX = 'type.googleapis.com/google.rpc.';
export const ERROR_INFO_TYPE = `${RPC_TYPE_PREFIX}ErrorInfo` as const;
export const RETRY_INFO_TYPE = `${RPC_TYPE_PREFIX}RetryInfo` as const;
export const QUOTA_FAILURE_TYPE = `${RPC_TYPE_PREFIX}QuotaFailure` as const;
export const BAD_REQUEST_TYPE = `${RPC_TYPE_PREFIX}BadRequest` as const;
export const HELP_TYPE = `${RPC_TYPE_PREFIX}Help` as const;
export const LOCALIZED_MESSAGE_TYPE = `${RPC_TYPE_PREFIX}LocalizedMessage` as const;
export const DEBUG_INFO_TYPE = `${RPC_TYPE_PREFIX}DebugInfo` as const;
export const PRECONDITION_FAILURE_TYPE = `${RPC_TYPE_PREFIX}PreconditionFailure` as const;
export const REQUEST_INFO_TYPE = `${RPC_TYPE_PREFIX}RequestInfo` as const;
export const RESOURCE_INFO_TYPE = `${RPC_TYPE_PREFIX}ResourceInfo` as const;

export interface ErrorInfo {
  reason?: string;
  domain?: string;
  metadata?: { [key: string]: string };
}

export interface RetryInfo {
  retryDelay?: Duration;
}

export interface QuotaViolation {
  subject?: string;
  description?: string;
  apiService?: string;
  quotaMetric?: string;
  quotaId?: string;
  quotaDimensions?: { [key: string]: string };
  quotaValue?: Int64;
  futureQuotaValue?: Int64;
}

export interface QuotaFailure {
  violations?: QuotaViolation[];
}

export interface FieldViolation {
  field?: string;
  description?: string;
  reason?: string;
  localizedMessage?: LocalizedMessage;
}

export interface BadRequest {
  fieldViolations?: FieldViolation[];
}

export interface HelpLink {
  description?: string;
  url?: string;
}

export interface Help {
  links?: HelpLink[];
}

export interface LocalizedMessage {
  locale?: string;
  message?: string;
}

export interface DebugInfo {
  stackEntries?: string[];
  detail?: string;
}

export interface PreconditionFailure {
  violations?: { type?: string; subject?: string; description?: string }[];
}

export interface RequestInfo {
  requestId?: string;
  servingData?: string;
}

export interface ResourceInfo {
  resourceType?: string;
  resourceName?: string;
  owner?: string;
  description?: string;
}

/** A `details[]` entry: one of the known detail types, or any other `Any`. */
export type ErrorDetail =
  | Any<ErrorInfo, typeof ERROR_INFO_TYPE>
  | Any<RetryInfo, typeof RETRY_INFO_TYPE>
  | Any<QuotaFailure, typeof QUOTA_FAILURE_TYPE>
  | Any<BadRequest, typeof BAD_REQUEST_TYPE>
  | Any<Help, typeof HELP_TYPE>
  | Any<LocalizedMessage, typeof LOCALIZED_MESSAGE_TYPE>
  | Any<DebugInfo, typeof DEBUG_INFO_TYPE>
  | Any<PreconditionFailure, typeof PRECONDITION_FAILURE_TYPE>
  | Any<RequestInfo, typeof REQUEST_INFO_TYPE>
  | Any<ResourceInfo, typeof RESOURCE_INFO_TYPE>
  | Any<Record<string, unknown>>;

/** The body of an HTTP error response (AIP-193): `code` is the HTTP status, `status` the RPC code name. */
export interface ErrorEnvelope {
  error: {
    code: number;
    message: string;
    status?: RpcCode | (string & {});
    details?: ErrorDetail[];
  };
}
