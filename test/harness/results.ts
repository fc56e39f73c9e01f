/** What the integration entry (running inside the extension host) writes to RESULTS_FILE. */
export interface IntegrationResults {
  vscodeVersion: string;
  /** Node version of the extension host. */
  nodeVersion: string;
  passed: number;
  failed: number;
  pending: number;
  durationMs: number;
  failures: Array<{ title: string; fullTitle: string; message: string; stack: string }>;
  tests: Array<{ fullTitle: string; state: 'passed' | 'failed' | 'pending'; durationMs: number }>;
}

/** Written next to RESULTS_FILE as soon as the host calls `run()`: proof that the host started. */
export function startedMarker(resultsFile: string): string {
  return `${resultsFile}.started`;
}
