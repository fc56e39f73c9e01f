// Mocha reporter: the usual spec output, plus the counts written to MOCHA_SUMMARY_FILE so that
// `npm test` can add up the layers. Used as `mocha --reporter out/test/harness/summaryReporter.js`.
import * as fs from 'node:fs';
import Mocha from 'mocha';

class SpecWithSummary extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const file = process.env.MOCHA_SUMMARY_FILE;
    if (!file) return;
    runner.once('end', () => {
      const { passes = 0, failures = 0, pending = 0 } = this.stats;
      fs.writeFileSync(file, JSON.stringify({ passed: passes, failed: failures, pending }));
    });
  }
}

export = SpecWithSummary;
