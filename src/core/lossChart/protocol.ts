/**
 * The messages between the loss chart panel and its webview. Both sides import this module;
 * nothing here touches the editor or the DOM. Every message crossing the boundary is checked
 * by `parseFromWebview` / `parseToWebview` before it is dispatched to a typed handler.
 */
import { toColumns, type LossColumns } from './columns';
import { MODEL_STATES, type ModelHeader } from './modelHeader';
import type { LossPoint } from './snapshots';

export const LOSS_CHART_VIEW_TYPE = 'geminiTuning.lossChart';

/** A model as the extension keeps it. */
export interface ChartModel {
  header: ModelHeader;
  /** the training loss */
  points: LossPoint[];
  /** the validation loss, when the backend evaluates one */
  evalPoints?: LossPoint[];
}

/** A model as it crosses to the webview: its points as plain columns, steps ascending. */
export interface WireModel {
  header: ModelHeader;
  points: LossColumns;
  evalPoints?: LossColumns;
}

export function toWire(model: ChartModel): WireModel {
  const wire: WireModel = { header: model.header, points: toColumns(model.points) };
  if (model.evalPoints && model.evalPoints.length > 0) wire.evalPoints = toColumns(model.evalPoints);
  return wire;
}

export interface ViewSettings {
  smoothingEnabled: boolean;
  /** EMA factor in [0, 0.999] */
  smoothing: number;
  logScale: boolean;
}

export const DEFAULT_VIEW: ViewSettings = { smoothingEnabled: false, smoothing: 0.6, logScale: false };

/** What the webview keeps with `setState`, and what the serializer gets back after a reload. */
export interface PersistedChartState {
  version: 1;
  models: string[];
  view: ViewSettings;
}

// ---- extension → webview ----

/** The first answer to `ready`, before any data. */
export interface InitMessage {
  type: 'init';
  /**
   * True only when the extension runs its tests: the page then reports what it draws and the
   * theme colours it resolved (`rendered`, `theme`). Otherwise it posts nothing only tests read.
   */
  reportForTests: boolean;
}
export interface SetModelsMessage {
  type: 'setModels';
  models: WireModel[];
}
export interface UpsertModelMessage {
  type: 'upsertModel';
  model: WireModel;
}
export interface AppendPointsMessage {
  type: 'appendPoints';
  name: string;
  header: ModelHeader;
  /** points after the last known step */
  points: LossColumns;
  /** validation loss points after the last known one */
  evalPoints?: LossColumns;
}
export interface RemoveModelMessage {
  type: 'removeModel';
  name: string;
}
export interface RequestPngMessage {
  type: 'requestPng';
  requestId: number;
}
export interface LoadErrorMessage {
  type: 'loadError';
  name: string;
  message: string;
}

export type ToWebviewMessage =
  | InitMessage
  | SetModelsMessage
  | UpsertModelMessage
  | AppendPointsMessage
  | RemoveModelMessage
  | RequestPngMessage
  | LoadErrorMessage;

// ---- webview → extension ----

export interface ReadyMessage {
  type: 'ready';
  /** the state the webview restored with getState, if any */
  state?: PersistedChartState;
}
/** Posted only under test (see `InitMessage`), once each draw is on screen. */
export interface RenderedMessage {
  type: 'rendered';
  /** what is on screen now: per model, points drawn (training and validation), its notice, if any, and its curve's colour */
  models: { name: string; points: number; evalPoints?: number; notice?: string; color?: string }[];
  /** how the chart was updated: first draw, data appended to the live instance, or a re-init */
  update: 'created' | 'setData' | 'recreated' | 'empty';
  /** the names the legend shows (empty while it is hidden) */
  legend?: string[];
}
/** Posted only under test (see `InitMessage`): the colours the page resolved from VS Code's CSS variables, at start and on every theme change. */
export interface ThemeMessage {
  type: 'theme';
  colors: ThemeColors;
}
export interface ThemeColors {
  foreground: string;
  background: string;
  /** one colour per curve position */
  palette: string[];
}
export interface PngMessage {
  type: 'png';
  requestId: number;
  /** `data:image/png;base64,…` */
  dataUrl: string;
}
export interface PngFailedMessage {
  type: 'pngFailed';
  requestId: number;
  message: string;
}
export interface UserActionMessage {
  type: 'action';
  action: 'exportCsv' | 'exportPng' | 'addModel';
}
export interface RemoveModelRequest {
  type: 'removeModelRequest';
  name: string;
}
export interface ViewChangedMessage {
  type: 'viewChanged';
  view: ViewSettings;
}

export type FromWebviewMessage =
  | ReadyMessage
  | RenderedMessage
  | ThemeMessage
  | PngMessage
  | PngFailedMessage
  | UserActionMessage
  | RemoveModelRequest
  | ViewChangedMessage;

/** One handler per message type: adding a message without handling it does not compile. */
export type MessageHandlers<M extends { type: string }> = {
  [K in M['type']]: (message: Extract<M, { type: K }>) => void;
};

export function dispatch<M extends { type: string }>(handlers: MessageHandlers<M>, message: M): void {
  const handler = handlers[message.type as M['type']] as (m: M) => void;
  handler(message);
}

// ---- validation of what crosses the boundary ----

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function isString(value: unknown): value is string {
  return typeof value === 'string';
}
function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

export function isViewSettings(value: unknown): value is ViewSettings {
  return (
    isObject(value) &&
    typeof value.smoothingEnabled === 'boolean' &&
    isFiniteNumber(value.smoothing) &&
    value.smoothing >= 0 &&
    value.smoothing < 1 &&
    typeof value.logScale === 'boolean'
  );
}

export function isPersistedChartState(value: unknown): value is PersistedChartState {
  return (
    isObject(value) &&
    value.version === 1 &&
    Array.isArray(value.models) &&
    value.models.every(isString) &&
    isViewSettings(value.view)
  );
}

function isNullableFinite(value: unknown): value is number | null {
  return value === null || isFiniteNumber(value);
}

/**
 * Columns of one length: finite steps that ascend strictly, finite epochs, and losses and
 * compute times that are finite or null (JSON has no NaN). Every value is checked: a curve has a
 * few thousand steps, so this costs nothing that shows.
 */
export function isLossColumns(value: unknown): value is LossColumns {
  if (!isObject(value)) return false;
  const { step, epoch, loss, computeTimeMs } = value;
  if (!Array.isArray(step) || !Array.isArray(epoch) || !Array.isArray(loss) || !Array.isArray(computeTimeMs)) return false;
  const n = step.length;
  if (epoch.length !== n || loss.length !== n || computeTimeMs.length !== n) return false;
  for (let i = 0; i < n; i++) {
    const s: unknown = step[i];
    if (!isFiniteNumber(s) || (i > 0 && !(s > (step[i - 1] as number)))) return false;
    if (!isFiniteNumber(epoch[i]) || !isNullableFinite(loss[i]) || !isNullableFinite(computeTimeMs[i])) return false;
  }
  return true;
}

const STATES = new Set<string>(MODEL_STATES);

function isModelHeader(value: unknown): value is ModelHeader {
  return isObject(value) && isString(value.name) && isString(value.displayName) && STATES.has(value.state as string);
}

function isWireModel(value: unknown): value is WireModel {
  return isObject(value) && isModelHeader(value.header) && isLossColumns(value.points) && (value.evalPoints === undefined || isLossColumns(value.evalPoints));
}

const ACTIONS = new Set(['exportCsv', 'exportPng', 'addModel']);
const UPDATES = new Set(['created', 'setData', 'recreated', 'empty']);

export function parseFromWebview(value: unknown): FromWebviewMessage | undefined {
  if (!isObject(value) || !isString(value.type)) return undefined;
  const m = value;
  switch (m.type) {
    case 'ready':
      return m.state === undefined || isPersistedChartState(m.state) ? (m as unknown as ReadyMessage) : { type: 'ready' };
    case 'rendered':
      return UPDATES.has(m.update as string) &&
        Array.isArray(m.models) &&
        m.models.every(
          (x) => isObject(x) && isString(x.name) && isFiniteNumber(x.points) && (x.evalPoints === undefined || isFiniteNumber(x.evalPoints)) && (x.notice === undefined || isString(x.notice)) && (x.color === undefined || isString(x.color)),
        )
        && (m.legend === undefined || (Array.isArray(m.legend) && m.legend.every(isString)))
        ? (m as unknown as RenderedMessage)
        : undefined;
    case 'theme':
      return isObject(m.colors) &&
        isString(m.colors.foreground) &&
        isString(m.colors.background) &&
        Array.isArray(m.colors.palette) &&
        m.colors.palette.every(isString)
        ? (m as unknown as ThemeMessage)
        : undefined;
    case 'png':
      return isFiniteNumber(m.requestId) && isString(m.dataUrl) ? (m as unknown as PngMessage) : undefined;
    case 'pngFailed':
      return isFiniteNumber(m.requestId) && isString(m.message) ? (m as unknown as PngFailedMessage) : undefined;
    case 'action':
      return ACTIONS.has(m.action as string) ? (m as unknown as UserActionMessage) : undefined;
    case 'removeModelRequest':
      return isString(m.name) ? (m as unknown as RemoveModelRequest) : undefined;
    case 'viewChanged':
      return isViewSettings(m.view) ? (m as unknown as ViewChangedMessage) : undefined;
    default:
      return undefined;
  }
}

export function parseToWebview(value: unknown): ToWebviewMessage | undefined {
  if (!isObject(value) || !isString(value.type)) return undefined;
  const m = value;
  switch (m.type) {
    case 'init':
      return typeof m.reportForTests === 'boolean' ? (m as unknown as InitMessage) : undefined;
    case 'setModels':
      return Array.isArray(m.models) && m.models.every(isWireModel) ? (m as unknown as SetModelsMessage) : undefined;
    case 'upsertModel':
      return isWireModel(m.model) ? (m as unknown as UpsertModelMessage) : undefined;
    case 'appendPoints':
      return isString(m.name) && isLossColumns(m.points) && isModelHeader(m.header) && (m.evalPoints === undefined || isLossColumns(m.evalPoints))
        ? (m as unknown as AppendPointsMessage)
        : undefined;
    case 'removeModel':
      return isString(m.name) ? (m as unknown as RemoveModelMessage) : undefined;
    case 'requestPng':
      return isFiniteNumber(m.requestId) ? (m as unknown as RequestPngMessage) : undefined;
    case 'loadError':
      return isString(m.name) && isString(m.message) ? (m as unknown as LoadErrorMessage) : undefined;
    default:
      return undefined;
  }
}
