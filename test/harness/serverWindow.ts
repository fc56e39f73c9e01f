// One editor window's side of the local server, in plain Node: the extension's own server-launching
// code (LocalServerProcess) on a data folder, as each window's extension host runs it.
//   node out/test/harness/serverWindow.js <dist/server.js> <data folder> <window name>
// Prints each state as a JSON line; a line `close` on stdin closes the window (dispose, then exit).
import { LocalServerProcess } from '../../src/core/backend/localServerProcess';
import { silentLog } from '../../src/core/util/log';

const [serverScript, dataDir, name] = process.argv.slice(2);
const server = new LocalServerProcess({
  serverScript,
  dataDir,
  output: (line) => process.stderr.write(`[${name} server] ${line}\n`),
  log: silentLog,
  clientName: name,
  extraArgs: ['--quiet'],
  folderServerCheckMs: 200,
});
server.onDidChangeState((state) => process.stdout.write(`${JSON.stringify(state)}\n`));
server.start();
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text: string) => {
  if (!text.includes('close')) return;
  server.dispose();
  process.exit(0);
});
