// Thousands of malformed specs, data files and prompt notebooks through the pure core, seeded:
// every problem reported where it is and why, nothing thrown, no unhandled rejection. The
// regression corpus runs in full, then a smaller fresh set from this run's own seed.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { validateSpec } from '../../../src/core/tuningSpec/validateSpec';
import { dataCases, loadFixtures, memoryFileSystem, notebookCases, specCases, type Fixtures } from '../../fuzz/families';
import { describeFuzzSeed, type FuzzSeed, fuzzSeeds, REGRESSION_FUZZ_SEED } from '../../fuzz/generate';
import { decodeLeniently, FuzzTally, notebookProblems, readNotebook, specProblems } from '../../fuzz/oracles';
import { recordSweepCase } from '../../harness/sweepTable';

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
/** Cases per family: the whole regression corpus, and a third as many from the fresh seed. */
const CASES: Record<FuzzSeed['role'], number> = { 'regression corpus': 1500, fresh: 500 };
const DIR = '/fuzz';
/**
 * What the regression corpus is, per family: a digest of every case's bytes and description. It
 * changes only when the generator or the fixtures it mutates change; then the corpus is no longer
 * the one that found the pinned problems (see regressions.test.ts).
 */
const REGRESSION_CORPUS_SHA256 = {
  spec: '5e353d2dc33e1d70c89c6ecc871423970f117932654b18e4a91642cf45287546',
  data: 'ffec06c278fbce2f3e36cc2e363d0e34ed0d142e85d517405e1cc65c700c580b',
  notebook: '54998609a1fd5f20c5951fe669a68946666ffe9fbd60b4f10a92972193fae4f4',
};

const count = (n: number): string => n.toLocaleString('en-US');

describe('fuzz: malformed inputs through the pure core', function () {
  // Thousands of cases each; a machine busy with other work can take minutes.
  this.timeout(300_000);
  const seeds = fuzzSeeds();
  let fixtures: Fixtures;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    rejections.push(reason);
  };

  before(() => {
    console.log(`      fuzz: ${seeds.map(describeFuzzSeed).join(', then ')}`);
    fixtures = loadFixtures(repoRoot);
    process.on('unhandledRejection', onRejection);
  });

  after(() => {
    process.off('unhandledRejection', onRejection);
  });

  it(`the regression corpus (seed ${REGRESSION_FUZZ_SEED}) is the one kept: the generator still makes the same cases`, () => {
    const digest = (cases: Iterable<{ mutant: { bytes: Uint8Array; description: string } }>): string => {
      const hash = createHash('sha256');
      for (const { mutant } of cases) hash.update(mutant.description).update('\0').update(mutant.bytes).update('\0');
      return hash.digest('hex');
    };
    const n = CASES['regression corpus'];
    const actual = {
      spec: digest(specCases(REGRESSION_FUZZ_SEED, n, fixtures)),
      data: digest(dataCases(REGRESSION_FUZZ_SEED, n, fixtures)),
      notebook: digest(notebookCases(REGRESSION_FUZZ_SEED, n, fixtures)),
    };
    assert.deepEqual(
      actual,
      REGRESSION_CORPUS_SHA256,
      'the generator or its fixtures changed, so seed 20261121 no longer gives the regression corpus: keep the old generation path for it, ' +
        'or pin the problems it found as cases in regressions.test.ts and then record the new digests in REGRESSION_CORPUS_SHA256',
    );
  });

  for (const fuzz of seeds) {
    const { seed } = fuzz;
    const cases = CASES[fuzz.role];
    it(`${count(cases)} mutated tuning specs (${fuzz.role}) are each diagnosed where and why, or build a clean request`, async () => {
      const tally = new FuzzTally();
      const specFile = path.posix.join(DIR, 'capitals.tuning.yaml');
      const dataFile = path.posix.join(DIR, fixtures.specData.name);
      const fsys = memoryFileSystem(new Map([[dataFile, fixtures.specData.bytes]]));
      const dataTexts = new Map([[dataFile, decodeLeniently(fixtures.specData.bytes)]]);
      let certain = 0;
      for (const { index, mutant } of specCases(seed, cases, fixtures)) {
        tally.cases++;
        if (mutant.certain) certain++;
        const specText = decodeLeniently(mutant.bytes);
        try {
          const result = await validateSpec(specText, specFile, { fs: fsys });
          const problems = specProblems({ specFile, specText, dataTexts, certain: mutant.certain }, result);
          if (problems.length > 0) tally.fail(`spec #${index} (${mutant.description})`, problems);
          tally.count(result.hasErrors ? 'diagnosed' : result.diagnostics.length > 0 ? 'valid with warnings' : 'still valid');
        } catch (error) {
          tally.fail(`spec #${index} (${mutant.description})`, [`validation threw: ${(error as Error).stack ?? String(error)}`]);
          tally.count('crashed');
        }
      }
      finish(tally, 'spec fuzz (plain Node)', `${count(tally.cases)} mutated specs, ${count(certain)} broken for sure (${describeFuzzSeed(fuzz)})`, fuzz);
    });

    it(`${count(cases)} mutated JSONL, CSV and JSON data files (${fuzz.role}) are each diagnosed where and why`, async () => {
      const tally = new FuzzTally();
      const specFile = path.posix.join(DIR, 'data.tuning.yaml');
      let certain = 0;
      for (const c of dataCases(seed, cases, fixtures)) {
        tally.cases++;
        const dataFile = path.posix.join(DIR, c.dataName);
        const certainty = c.mutant.certain && { ...c.mutant.certain, reportedIn: dataFile };
        if (certainty) certain++;
        try {
          const result = await validateSpec(c.spec, specFile, { fs: memoryFileSystem(new Map([[dataFile, c.mutant.bytes]])) });
          const problems = specProblems({ specFile, specText: c.spec, dataTexts: new Map([[dataFile, decodeLeniently(c.mutant.bytes)]]), certain: certainty }, result);
          if (problems.length > 0) tally.fail(`${c.format} #${c.index} (${c.mutant.description})`, problems);
          tally.count(result.hasErrors ? 'diagnosed' : 'still valid');
        } catch (error) {
          tally.fail(`${c.format} #${c.index} (${c.mutant.description})`, [`validation threw: ${(error as Error).stack ?? String(error)}`]);
          tally.count('crashed');
        }
      }
      finish(tally, 'data file fuzz (plain Node)', `${count(tally.cases)} mutated JSONL/CSV/JSON files, ${count(certain)} broken for sure (${describeFuzzSeed(fuzz)})`, fuzz);
    });

    it(`${count(cases)} mutated prompt notebooks (${fuzz.role}) are refused with line and column, or open and save back unchanged`, () => {
      const tally = new FuzzTally();
      let certain = 0;
      for (const { index, mutant } of notebookCases(seed, cases, fixtures)) {
        tally.cases++;
        if (mutant.certain) certain++;
        try {
          const read = readNotebook(mutant.bytes);
          const problems = notebookProblems(mutant.bytes, mutant.certain);
          if (problems.length > 0) tally.fail(`notebook #${index} (${mutant.description})`, problems);
          tally.count(read.kind === 'opened' ? 'opened' : /UTF-8/.test(read.reason) ? 'refused as not UTF-8, with line and column' : 'refused with line and column');
        } catch (error) {
          tally.fail(`notebook #${index} (${mutant.description})`, [`reading threw: ${(error as Error).stack ?? String(error)}`]);
          tally.count('crashed');
        }
      }
      finish(tally, 'notebook fuzz (plain Node)', `${count(tally.cases)} mutated .tunebook files, ${count(certain)} broken for sure (${describeFuzzSeed(fuzz)})`, fuzz);
    });
  }

  it('left no unhandled rejection behind', async () => {
    await new Promise((resolve) => setImmediate(resolve));
    recordSweepCase({ area: 'fuzz', tried: 'unhandled rejections while fuzzing the pure core', outcome: `${rejections.length} seen`, ok: rejections.length === 0 });
    assert.deepEqual(rejections.map(String), []);
  });

  function finish(tally: FuzzTally, area: string, tried: string, fuzz: FuzzSeed): void {
    const ok = tally.flagged === 0 && !tally.byOutcome.has('crashed');
    recordSweepCase({ area, tried, outcome: `${tally.outcomes()}; ${count(tally.flagged)} badly reported`, ok });
    assert.equal(tally.flagged, 0, `${tally.flagged} of ${tally.cases} cases badly reported (${describeFuzzSeed(fuzz)}):\n    ${tally.failures.join('\n    ')}`);
  }
});
