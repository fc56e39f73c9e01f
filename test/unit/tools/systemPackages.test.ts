import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  APT_ENV,
  CHROMIUM_PATH_ENV,
  ensureSystemPackages,
  installRoute,
  missingSystemPackages,
  MissingSystemPackagesError,
  type Machine,
} from '../../../tools/vscodeHost/systemPackages';
import { CACHE_DIR_ENV } from '../../../tools/vscodeHost/cache';
import { repoRoot } from '../../../tools/vscodeHost/paths';

describe('tools: Debian packages of the offline VS Code host', () => {
  let tmp: string;
  /** A PATH holding only make, g++ and python3 stand-ins. */
  let buildToolsPath: string;
  let chromium: string;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gemini-tuning-syspkg-'));
    buildToolsPath = path.join(tmp, 'bin');
    fs.mkdirSync(buildToolsPath);
    for (const tool of ['make', 'g++', 'python3']) executable(path.join(buildToolsPath, tool));
    chromium = path.join(tmp, 'chromium');
  });

  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function executable(file: string): void {
    fs.writeFileSync(file, '#!/bin/sh\n');
    fs.chmodSync(file, 0o755);
  }

  function machine(overrides: Partial<Machine> & { env?: NodeJS.ProcessEnv } = {}): Machine {
    return {
      isRoot: false,
      hasAptGet: true,
      hasPasswordlessSudo: () => false,
      ...overrides,
      env: { PATH: buildToolsPath, [CHROMIUM_PATH_ENV]: chromium, ...overrides.env },
    };
  }

  it('finds Chromium missing at the overridden path, and the compilers only while code-server still has to be built', () => {
    const env = { PATH: path.join(tmp, 'empty'), [CHROMIUM_PATH_ENV]: chromium };
    assert.deepEqual(
      missingSystemPackages(env, true).map((p) => p.name),
      ['chromium', 'make', 'g++', 'python3'],
    );
    assert.deepEqual(
      missingSystemPackages(env, false).map((p) => p.name),
      ['chromium'],
    );
    executable(chromium);
    assert.deepEqual(missingSystemPackages({ ...env, PATH: buildToolsPath }, true), []);
  });

  it('installs as root, with passwordless sudo, and never otherwise', () => {
    assert.deepEqual(installRoute(machine({ isRoot: true })), { kind: 'root' });
    assert.deepEqual(installRoute(machine({ hasPasswordlessSudo: () => true })), { kind: 'sudo' });
    assert.equal(installRoute(machine()).kind, 'none');
    assert.equal(installRoute(machine({ isRoot: true, hasAptGet: false })).kind, 'none');
    assert.equal(installRoute(machine({ isRoot: true, env: { [APT_ENV]: 'off' } })).kind, 'none');
  });

  it('runs apt-get update once, then installs what is missing, saying what and why in one line', async () => {
    const calls: string[] = [];
    const lines: string[] = [];
    await ensureSystemPackages({
      needsBuild: true,
      log: (line) => lines.push(line),
      logFile: path.join(tmp, 'apt.log'),
      machine: machine({ hasPasswordlessSudo: () => true }),
      runCommand: async (command, args) => {
        calls.push([command, ...args].join(' '));
        if (args.includes('install')) executable(chromium);
      },
    });
    assert.deepEqual(calls, [
      'sudo -n env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update',
      'sudo -n env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends chromium',
    ]);
    const announced = lines.filter((l) => l.includes('installing Debian package'));
    assert.equal(announced.length, 1, lines.join('\n'));
    assert.match(announced[0], /chromium with sudo apt-get \(passwordless\): chromium \(to show the VS Code workbench headless\);/);
  });

  it('when it cannot install, names the one command to run and runs nothing', async () => {
    let ran = false;
    const attempt = ensureSystemPackages({
      needsBuild: true,
      log: () => undefined,
      logFile: path.join(tmp, 'apt.log'),
      machine: machine({ env: { PATH: path.join(tmp, 'empty') } }),
      runCommand: async () => {
        ran = true;
      },
    });
    await assert.rejects(attempt, (err: Error) => {
      assert.ok(err instanceof MissingSystemPackagesError);
      assert.match(err.message, /not root and sudo asks for a password/);
      assert.match(err.message, /chromium \(to show the VS Code workbench headless\), make, g\+\+ and python3 \(to build code-server's native modules, once\)/);
      assert.ok(err.message.includes('  sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium make g++ python3\n'), err.message);
      return true;
    });
    assert.equal(ran, false);
  });

  it('the host installer stops before downloading anything when Chromium is missing and apt-get is off', () => {
    const cache = path.join(tmp, 'cache');
    const result = spawnSync(process.execPath, [path.join(repoRoot, 'out', 'tools', 'vscodeHost', 'ensureHost.js')], {
      env: { ...process.env, [CACHE_DIR_ENV]: cache, [CHROMIUM_PATH_ENV]: chromium, [APT_ENV]: 'off' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(result.status, 1, result.stdout + result.stderr);
    assert.match(result.stderr, /needs the Debian package\(s\) chromium \(to show the VS Code workbench headless\)\./);
    assert.match(result.stderr, /GEMINI_TUNING_APT=off is set/);
    assert.match(result.stderr, /apt-get install -y --no-install-recommends chromium/);
    assert.deepEqual(fs.existsSync(cache) ? fs.readdirSync(cache) : [], []);
  });
});
