// Mocha reporter: the usual spec output, plus the counts written to MOCHA_SUMMARY_FILE so that
// `npm test` can add up the layers. Used as `mocha --reporter out/test/harness/summaryReporter.js`.
// A test that passed only on a retry is listed as flaky, never counted as a plain pass in silence.
import * as fs from 'node:fs';
import Mocha from 'mocha';
import { failureLine } from './failureLine';

interface MochaSummary {
  passed: number;
  failed: number;
  pending: number;
  /** Full titles of the tests that failed at least once and were run again. */
  flaky: string[];
  /** Each failed test (or hook): its full title and the first line of its error. */
  failures: string[];
}

class SpecWithSummary extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const retried = new Set<string>();
    const failureLines: string[] = [];
    runner.on(Mocha.Runner.constants.EVENT_TEST_RETRY, (test: Mocha.Test) => retried.add(test.fullTitle()));
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test: Mocha.Runnable, err: Error) => failureLines.push(failureLine(test.fullTitle(), err)));
    const file = process.env.MOCHA_SUMMARY_FILE;
    if (!file) return;
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes = 0, failures = 0, pending = 0 } = this.stats;
      const summary: MochaSummary = { passed: passes, failed: failures, pending, flaky: [...retried], failures: failureLines };
      fs.writeFileSync(file, JSON.stringify(summary));
    });
  }
}

export = SpecWithSummary;
