// `node out/test/harness/runIntegration.js`: the integration suites in a real VS Code.
import { runIntegrationHosts } from './integration';

runIntegrationHosts().then(
  (outcome) => process.exit(outcome.ok ? 0 : 1),
  (err: Error) => {
    console.error(err.stack ?? err.message);
    process.exit(1);
  },
);
