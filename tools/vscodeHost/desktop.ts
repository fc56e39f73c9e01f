import * as fs from 'node:fs';
import * as path from 'node:path';
import { capture } from './exec';

/**
 * The executable of a desktop VS Code to run tests in: VSCODE_EXECUTABLE, or the application
 * behind a `code` command on PATH (Linux and macOS layouts), if it answers `--version`.
 * Undefined means: use the offline code-server host.
 */
export async function desktopVSCode(): Promise<string | undefined> {
  const explicit = process.env.VSCODE_EXECUTABLE;
  if (explicit) {
    if (!fs.existsSync(explicit)) throw new Error(`VSCODE_EXECUTABLE=${explicit} does not exist`);
    return explicit;
  }
  const cli = await codeCommand();
  if (!cli) return undefined;
  const real = fs.realpathSync(cli);
  const candidates = [
    path.resolve(path.dirname(real), '..', 'code'), // /usr/share/code/bin/code → /usr/share/code/code
    path.resolve(path.dirname(real), '..', '..', '..', 'MacOS', 'Electron'), // …app/Contents/Resources/app/bin/code
    path.resolve(path.dirname(real), '..', '..', '..', 'MacOS', 'Code'),
  ];
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
}

/** The `code` command on PATH if it is a desktop VS Code (not code-server's remote CLI) that runs. */
export async function codeCommand(): Promise<string | undefined> {
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return undefined;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'code');
    if (!dir || !fs.existsSync(candidate) || candidate.includes('remote-cli')) continue;
    const version = await capture(candidate, ['--version'], { timeoutMs: 15_000 });
    if (version && /^\d+\.\d+\.\d+/.test(version.trim())) return candidate;
  }
  return undefined;
}
