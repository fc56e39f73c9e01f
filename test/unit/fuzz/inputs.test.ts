// Thousands of malformed specs, data files and prompt notebooks through the pure core, seeded:
// every problem reported where it is and why, nothing thrown, no unhandled rejection.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { validateSpec } from '../../../src/core/tuningSpec/validateSpec';
import { dataCases, loadFixtures, memoryFileSystem, notebookCases, specCases, type Fixtures } from '../../fuzz/families';
import { fuzzSeed } from '../../fuzz/generate';
import { decodeLeniently, FuzzTally, notebookProblems, readNotebook, specProblems } from '../../fuzz/oracles';
import { recordSweepCase } from '../../harness/sweepTable';

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
const SPEC_CASES = 1500;
const DATA_CASES = 1500;
const NOTEBOOK_CASES = 1500;
const DIR = '/fuzz';

const count = (n: number): string => n.toLocaleString('en-US');

describe('fuzz: malformed inputs through the pure core', function () {
  this.timeout(120_000);
  const seed = fuzzSeed();
  let fixtures: Fixtures;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    rejections.push(reason);
  };

  before(() => {
    console.log(`      fuzz seed ${seed} (set GEMINI_TUNING_FUZZ_SEED to replay another)`);
    fixtures = loadFixtures(repoRoot);
    process.on('unhandledRejection', onRejection);
  });

  after(() => {
    process.off('unhandledRejection', onRejection);
  });

  it(`${count(SPEC_CASES)} mutated tuning specs are each diagnosed where and why, or build a clean request`, async () => {
    const tally = new FuzzTally();
    const specFile = path.posix.join(DIR, 'capitals.tuning.yaml');
    const dataFile = path.posix.join(DIR, fixtures.specData.name);
    const fsys = memoryFileSystem(new Map([[dataFile, fixtures.specData.bytes]]));
    const dataTexts = new Map([[dataFile, decodeLeniently(fixtures.specData.bytes)]]);
    let certain = 0;
    for (const { index, mutant } of specCases(seed, SPEC_CASES, fixtures)) {
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
    finish(tally, 'spec fuzz (plain Node)', `${count(tally.cases)} mutated specs, ${count(certain)} broken for sure (seed ${seed})`);
  });

  it(`${count(DATA_CASES)} mutated JSONL, CSV and JSON data files are each diagnosed where and why`, async () => {
    const tally = new FuzzTally();
    const specFile = path.posix.join(DIR, 'data.tuning.yaml');
    let certain = 0;
    for (const c of dataCases(seed, DATA_CASES, fixtures)) {
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
    finish(tally, 'data file fuzz (plain Node)', `${count(tally.cases)} mutated JSONL/CSV/JSON files, ${count(certain)} broken for sure (seed ${seed})`);
  });

  it(`${count(NOTEBOOK_CASES)} mutated prompt notebooks are refused with line and column, or open and save back unchanged`, () => {
    const tally = new FuzzTally();
    let certain = 0;
    for (const { index, mutant } of notebookCases(seed, NOTEBOOK_CASES, fixtures)) {
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
    finish(tally, 'notebook fuzz (plain Node)', `${count(tally.cases)} mutated .tunebook files, ${count(certain)} broken for sure (seed ${seed})`);
  });

  it('left no unhandled rejection behind', async () => {
    await new Promise((resolve) => setImmediate(resolve));
    recordSweepCase({ area: 'fuzz', tried: 'unhandled rejections while fuzzing the pure core', outcome: `${rejections.length} seen`, ok: rejections.length === 0 });
    assert.deepEqual(rejections.map(String), []);
  });

  function finish(tally: FuzzTally, area: string, tried: string): void {
    const ok = tally.flagged === 0 && !tally.byOutcome.has('crashed');
    recordSweepCase({ area, tried, outcome: `${tally.outcomes()}; ${count(tally.flagged)} badly reported`, ok });
    assert.equal(tally.flagged, 0, `${tally.flagged} of ${tally.cases} cases badly reported (seed ${seed}):\n    ${tally.failures.join('\n    ')}`);
  }
});
