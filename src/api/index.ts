export * from './types';
export * from './errors';
export * from './client';
export { SseParser, SseBufferOverflowError, DEFAULT_MAX_EVENT_BYTES, type SseEventKind, type SseEndState } from './sse';
export * from './tuningDefaults';
