// `node out/test/host/ensureHost.js`: installs the offline VS Code host into the cache and says where.
import { cacheRoot, ensureHostTools } from './cache';

ensureHostTools().then(
  (tools) => console.log(`[host] ready in ${cacheRoot()}: code-server ${tools.codeServerEntry}, node ${tools.node}`),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
