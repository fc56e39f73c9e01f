/**
 * The messages between the loss chart panel and its webview. Both sides import this module;
 * nothing here touches the editor or the DOM. Every message crossing the boundary is checked
 * by `parse…Message` before it is dispatched to a typed handler.
 */
import { epochColumn, packColumns, rememberScan, scanPacked, type ColumnScan, type LossPoint, type ModelHeader, type PackedColumns } from './series';

export { packColumns, unpackColumns } from './series';

export const LOSS_CHART_VIEW_TYPE = 'geminiTuning.lossChart';

export interface ChartModel {
  header: ModelHeader;
  points: LossPoint[];
}

/** Points cross to the webview as typed columns (see `PackedColumns`). */
export type PointColumns = PackedColumns;

/**
 * The columns as they cross: when the steps ascend (always, from the extension) the epoch column
 * stays behind, since the scan's boundaries and `firstEpoch` rebuild it (`fromWire`). The first
 * draw needs only steps and losses; each column that crosses is copied on the way.
 */
export interface WireColumns {
  step: Float64Array;
  /** present only when the steps do not ascend */
  epoch?: Float64Array;
  loss: Float64Array;
  computeTimeMs: Float64Array;
}

/**
 * Points with their scan (order, gaps, epoch boundaries), made by the extension while it packs
 * them: the webview then draws without walking the columns first.
 */
export interface ScannedColumns {
  points: WireColumns;
  scan: ColumnScan;
  /** the epoch of the first point (0 when there is none) */
  firstEpoch: number;
}

export interface WireModel extends ScannedColumns {
  header: ModelHeader;
}

export function toScanned(points: readonly LossPoint[]): ScannedColumns {
  const packed = packColumns(points);
  const scan = scanPacked(packed);
  const firstEpoch = packed.epoch.length > 0 ? packed.epoch[0] : 0;
  if (!scan.ascending) return { points: packed, scan, firstEpoch };
  const { step, loss, computeTimeMs } = packed;
  return { points: { step, loss, computeTimeMs }, scan, firstEpoch };
}

/** The full columns of checked wire columns (the epoch column rebuilt when it stayed behind), with their scan kept. */
export function fromWire({ points, scan, firstEpoch }: ScannedColumns): PackedColumns {
  const { step, loss, computeTimeMs } = points;
  const columns: PackedColumns = { step, epoch: points.epoch ?? epochColumn(step, firstEpoch, scan.boundaries), loss, computeTimeMs };
  rememberScan(columns, scan);
  return columns;
}

export function toWire(model: ChartModel): WireModel {
  return { header: model.header, ...toScanned(model.points) };
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

export interface SetModelsMessage {
  type: 'setModels';
  models: WireModel[];
}
export interface UpsertModelMessage {
  type: 'upsertModel';
  model: WireModel;
}
export interface AppendPointsMessage extends ScannedColumns {
  type: 'appendPoints';
  name: string;
  header: ModelHeader;
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
export interface RenderedMessage {
  type: 'rendered';
  /** what is on screen now: per model, points drawn, its notice, if any, and its curve's colour */
  models: { name: string; points: number; notice?: string; color?: string }[];
  /** how the chart was updated: first draw, data appended to the live instance, or a re-init */
  update: 'created' | 'setData' | 'recreated' | 'empty';
  /** the names the legend shows (empty while it is hidden) */
  legend?: string[];
}
/** The theme colours the page resolved from VS Code's CSS variables, sent at start and on every theme change. */
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

function isFloat64Array(value: unknown): value is Float64Array {
  // By tag rather than instanceof: a message revived in another frame has that frame's constructor.
  return Object.prototype.toString.call(value) === '[object Float64Array]';
}

function isBoundary(value: unknown): boolean {
  return isObject(value) && isFiniteNumber(value.step) && isFiniteNumber(value.epoch);
}

function isColumnScan(value: unknown, length: number): value is ColumnScan {
  return (
    isObject(value) &&
    value.wellFormed === true &&
    typeof value.ascending === 'boolean' &&
    typeof value.lossesFinite === 'boolean' &&
    typeof value.lossesPositive === 'boolean' &&
    Array.isArray(value.boundaries) &&
    value.boundaries.length < Math.max(1, length) &&
    value.boundaries.every(isBoundary)
  );
}

/**
 * Typed columns of one length with a well-formed scan. The values themselves are not walked here:
 * they are numbers by construction, and the scan the extension made while packing them says
 * where the gaps are. The epoch column may stay behind only for ascending steps, which its
 * boundaries then describe; `fromWire` gives the full columns with the scan kept.
 */
function isScannedColumns(value: Json): value is Json & ScannedColumns {
  const points = value.points;
  if (!isObject(points) || !isFiniteNumber(value.firstEpoch)) return false;
  const { step, epoch, loss, computeTimeMs } = points;
  if (!isFloat64Array(step) || !isFloat64Array(loss) || !isFloat64Array(computeTimeMs)) return false;
  const n = step.length;
  if (loss.length !== n || computeTimeMs.length !== n || !isColumnScan(value.scan, n)) return false;
  if (epoch === undefined) return value.scan.ascending;
  return isFloat64Array(epoch) && epoch.length === n;
}

const STATES = new Set(['STATE_UNSPECIFIED', 'CREATING', 'ACTIVE', 'FAILED']);

function isModelHeader(value: unknown): value is ModelHeader {
  return isObject(value) && isString(value.name) && isString(value.displayName) && STATES.has(value.state as string);
}

function isWireModel(value: unknown): value is WireModel {
  return isObject(value) && isModelHeader(value.header) && isScannedColumns(value);
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
          (x) => isObject(x) && isString(x.name) && isFiniteNumber(x.points) && (x.notice === undefined || isString(x.notice)) && (x.color === undefined || isString(x.color)),
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
    case 'setModels':
      return Array.isArray(m.models) && m.models.every(isWireModel) ? (m as unknown as SetModelsMessage) : undefined;
    case 'upsertModel':
      return isWireModel(m.model) ? (m as unknown as UpsertModelMessage) : undefined;
    case 'appendPoints':
      return isString(m.name) && isScannedColumns(m) && isModelHeader(m.header)
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
