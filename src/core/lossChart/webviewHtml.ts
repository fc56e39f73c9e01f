import { randomBytes } from 'node:crypto';

export interface ChartPageResources {
  /** `webview.cspSource` */
  cspSource: string;
  /** webview URIs (from `asWebviewUri`) of the built files in dist/media */
  scriptUri: string;
  styleUris: string[];
  nonce: string;
}

export function newNonce(): string {
  return randomBytes(18).toString('base64');
}

function attribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

/**
 * The panel's page: a static skeleton with no data in it. The script fills it in as text once
 * the extension answers its `ready` message.
 */
export function chartPageHtml(r: ChartPageResources): string {
  const styles = r.styleUris.map((uri) => `<link rel="stylesheet" href="${attribute(uri)}">`).join('\n    ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${attribute(contentSecurityPolicy(r.cspSource, r.nonce))}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    ${styles}
    <title>Loss chart</title>
  </head>
  <body>
    <header id="models"></header>
    <div class="toolbar" role="toolbar" aria-label="Chart options">
      <label><input type="checkbox" id="smoothingEnabled"> Smoothing</label>
      <label for="smoothing">Factor</label>
      <input type="range" id="smoothing" min="0" max="0.99" step="0.01" aria-describedby="smoothingValue">
      <output id="smoothingValue" for="smoothing"></output>
      <label><input type="checkbox" id="logScale"> Log scale</label>
      <span class="spacer"></span>
      <button type="button" id="addModel">Add Model…</button>
      <button type="button" id="exportCsv">Export CSV…</button>
      <button type="button" id="exportPng">Export PNG…</button>
    </div>
    <div id="notice" role="status"></div>
    <div id="legend" class="legend"></div>
    <div id="readout" class="readout"></div>
    <div id="chart" role="img" aria-label="Loss chart" hidden></div>
    <details id="tableDetails">
      <summary>Data table</summary>
      <div id="tableArea"></div>
    </details>
    <script nonce="${attribute(r.nonce)}" src="${attribute(r.scriptUri)}"></script>
  </body>
</html>`;
}
