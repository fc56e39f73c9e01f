import * as assert from 'node:assert/strict';
import { csvCell, toCsv } from '../../../src/core/lossChart/csv';
import type { LossPoint } from '../../../src/core/lossChart/snapshots';

function pts(...losses: (number | null)[]): LossPoint[] {
  return losses.map((loss, i) => ({ step: i + 1, epoch: 1, loss, computeTimeMs: null }));
}

describe('loss chart CSV export', () => {
  it('writes a header and one row per point, with empty cells for unknown values', () => {
    const csv = toCsv([
      {
        header: { name: 'tunedModels/a', displayName: 'A' },
        points: [
          { step: 1, epoch: 1, loss: 2.5, computeTimeMs: Date.UTC(2026, 10, 21, 15, 0, 0) },
          { step: 2, epoch: 1, loss: null, computeTimeMs: null },
        ],
      },
    ]);
    assert.equal(
      csv,
      'model,display_name,step,epoch,mean_loss,compute_time\r\n' +
        'tunedModels/a,A,1,1,2.5,2026-11-21T15:00:00.000Z\r\n' +
        'tunedModels/a,A,2,1,,\r\n',
    );
  });

  it('writes only the header for no points', () => {
    assert.equal(toCsv([]), 'model,display_name,step,epoch,mean_loss,compute_time\r\n');
  });

  it('quotes text with separators and defuses spreadsheet formulas', () => {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell('a, "b"'), '"a, ""b"""');
    assert.equal(csvCell('line\nbreak'), '"line\nbreak"');
    assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvCell('@sum'), "'@sum");
    const csv = toCsv([{ header: { name: 'tunedModels/x', displayName: '<img src=x onerror=alert(1)>' }, points: pts(1) }]);
    assert.match(csv, /tunedModels\/x,<img src=x onerror=alert\(1\)>,1,1,1,/);
  });
});
