// The local tuning server as a child process (`node dist/server.js`), the way the extension runs it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export interface Child {
  url: string;
  proc: ChildProcess;
}

export function startServer(serverScript: string, dataDir: string): Promise<Child> {
  const proc = spawn(process.execPath, [serverScript, '--port', '0', '--data-dir', dataDir, '--step-delay-ms', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buffer = '';
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (d: string) => {
      buffer += d;
      const m = /listening on (http:\/\/\S+)/.exec(buffer);
      if (m) resolve({ url: m[1], proc });
    });
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

export function stop(child: Child): Promise<void> {
  return new Promise((resolve) => {
    if (child.proc.exitCode !== null) return resolve();
    child.proc.once('exit', () => resolve());
    child.proc.kill('SIGTERM');
  });
}

/** The 20-example job the server benches train. */
export function examples20(): { textInput: string; output: string }[] {
  const colours = ['red', 'green', 'blue', 'yellow', 'black', 'white', 'orange', 'purple', 'pink', 'brown'];
  return Array.from({ length: 20 }, (_, i) => ({ textInput: `describe the ${colours[i % 10]} item number ${i + 1}`, output: `It is ${colours[i % 10]}, item ${i + 1} of twenty.` }));
}

/** Writes `count` ACTIVE tuned models straight into a data folder, as a server would have left them. */
export function seedModels(dataDir: string, count: number): void {
  const t0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i < count; i++) {
    const id = `bench-${String(i).padStart(5, '0')}`;
    const dir = path.join(dataDir, 'tunedModels', id);
    mkdirSync(dir, { recursive: true });
    const t = new Date(t0 + i * 1000).toISOString();
    const snapshots = Array.from({ length: 25 }, (_, s) => ({ step: s + 1, epoch: Math.floor((s * 4) / 20) + 1, meanLoss: 2 / (s + 1), computeTime: t }));
    writeFileSync(
      path.join(dir, 'model.json'),
      JSON.stringify({
        v: 1, id, displayName: `bench model ${i}`, baseModel: 'models/gemini-1.5-flash-001-tuning', temperature: 1, topP: 0.95, topK: 64, state: 'ACTIVE',
        createTime: t, updateTime: t, startTime: t, completeTime: t, hyperparameters: { learningRate: 0.001, epochCount: 5, batchSize: 4 }, learningRate: 0.001,
        snapshots, operationId: 'benchbenchbe', totalSteps: 25, exampleCount: 20, seed: 1,
        permissions: [{ id: 'owner', granteeType: 'USER', emailAddress: 'local-user@localhost', role: 'OWNER' }], resumeCount: 0,
      }),
    );
  }
}
