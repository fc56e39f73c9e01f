// Headless Debian Chromium driven by playwright-core; no browser download is involved.
import * as fs from 'node:fs';
import { format } from 'node:util';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { killProcessGroup } from './exec';

/** Flags that keep Chromium off the network it cannot reach here (and out of the sandbox, as root). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface HeadlessBrowser {
  pid: number;
  browser: Browser;
  page: Page;
  stop(): Promise<void>;
}

/** Launches Chromium and opens one page whose console and errors are appended to `logFile`. */
export async function launchBrowser(executablePath: string, logFile: string): Promise<HeadlessBrowser> {
  const server = await chromium.launchServer({ executablePath, headless: true, args: CHROMIUM_ARGS });
  const pid = server.process().pid;
  if (pid === undefined) throw new Error(`${executablePath} did not start`);
  const stop = async (): Promise<void> => {
    await Promise.race([server.close().catch(() => undefined), new Promise((r) => setTimeout(r, 5_000))]);
    await killProcessGroup(pid, 1_000);
  };
  try {
    const browser = await chromium.connect(server.wsEndpoint());
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const append = (line: string): void => fs.appendFileSync(logFile, `${line}\n`);
    // The workbench forwards the extension host's console as ('%c INFO', css, ...original args):
    // format the original arguments as Node would, so the log reads like a terminal.
    let pending = Promise.resolve();
    page.on('console', (msg) => {
      pending = pending.then(async () => append(`[browser:${msg.type()}] ${await consoleText(msg)}`));
    });
    page.on('pageerror', (err) => append(`[browser:pageerror] ${err.stack ?? err.message}`));
    page.on('crash', () => append('[browser] page crashed'));
    return { pid, browser, page, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function consoleText(msg: ConsoleMessage): Promise<string> {
  let args: unknown[] = await Promise.all(msg.args().map((a) => a.jsonValue().catch(() => undefined)));
  if (args.length === 0 || typeof args[0] !== 'string') return msg.text();
  let level = '';
  const styled = /^%c\s*(\w+)\s*$/.exec(args[0] as string);
  if (styled) {
    level = `${styled[1]} `;
    args = args.slice(2);
  }
  return level + (typeof args[0] === 'string' ? format(...args) : args.map((a) => String(a)).join(' '));
}
