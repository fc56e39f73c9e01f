// The chart commands with fake panels and a fake model picker: they import no vscode at run time.
import * as assert from 'node:assert/strict';
import { addModelToChart } from '../../../src/extension/lossChart/commands/addModelToChart';
import { compareLoss } from '../../../src/extension/lossChart/commands/compareLoss';
import { exportLossCsv } from '../../../src/extension/lossChart/commands/exportLossCsv';
import { openLossChart } from '../../../src/extension/lossChart/commands/openLossChart';
import type { LossChartPanel } from '../../../src/extension/lossChart/panel';
import type { ModelPicker } from '../../../src/extension/lossChart/pickModels';

interface FakePanel {
  modelNames: string[];
  revealed: number;
  exported: number;
}

function fakePanels(existing: string[][] = []) {
  const all: FakePanel[] = existing.map((modelNames) => ({ modelNames, revealed: 0, exported: 0 }));
  const asPanel = (p: FakePanel) =>
    ({
      get modelNames() {
        return p.modelNames;
      },
      reveal: () => void p.revealed++,
      addModels: async (names: readonly string[]) => void p.modelNames.push(...names.filter((n) => !p.modelNames.includes(n))),
      exportCsv: async () => void p.exported++,
    }) as unknown as LossChartPanel;
  return {
    all,
    ledBy: (model: string) => {
      const found = all.find((p) => p.modelNames[0] === model);
      return found && asPanel(found);
    },
    open: (models: readonly string[]) => {
      const panel = { modelNames: [...models], revealed: 0, exported: 0 };
      all.push(panel);
      return asPanel(panel);
    },
    target: () => {
      const last = all.at(-1);
      return last && asPanel(last);
    },
  };
}

function picker(answer: string[]): ModelPicker & { asked: { exclude: readonly string[]; one?: boolean }[] } {
  const asked: { exclude: readonly string[]; one?: boolean }[] = [];
  const pick = async (exclude: readonly string[], options?: { one?: boolean }) => {
    asked.push({ exclude: [...exclude], one: options?.one });
    return answer;
  };
  return Object.assign(pick, { asked });
}

describe('loss chart commands', () => {
  it('Open Loss Chart opens the model given by name or tree item, and reveals its chart when it has one', async () => {
    const panels = fakePanels();
    const pickModels = picker([]);
    const open = openLossChart({ panels, pickModels });
    assert.deepEqual(await open('my-model'), { models: ['tunedModels/my-model'] });
    assert.deepEqual(await open({ model: { name: 'tunedModels/other' } }), { models: ['tunedModels/other'] });
    assert.equal(panels.all.length, 2);
    assert.deepEqual(await open('tunedModels/my-model'), { models: ['tunedModels/my-model'] });
    assert.equal(panels.all.length, 2, 'no second tab for the same model');
    assert.equal(panels.all[0].revealed, 1);
    assert.deepEqual(pickModels.asked, [], 'nobody was asked');
  });

  it('Open Loss Chart asks for one model when given none, and fails on an argument that names no model', async () => {
    const panels = fakePanels();
    const pickModels = picker(['tunedModels/picked']);
    const open = openLossChart({ panels, pickModels });
    assert.deepEqual(await open(), { models: ['tunedModels/picked'] });
    assert.deepEqual(pickModels.asked, [{ exclude: [], one: true }]);
    await assert.rejects(open({ unrelated: true }), /Open Loss Chart needs a tuned model or its name/);
    assert.equal(await openLossChart({ panels, pickModels: picker([]) })(), undefined, 'a cancelled pick opens nothing');
  });

  it('Compare Loss opens one chart with the tree selection, each model once', async () => {
    const panels = fakePanels();
    const compare = compareLoss({ panels, pickModels: picker([]) });
    const a = { model: { name: 'tunedModels/a' } };
    const b = { model: { name: 'tunedModels/b' } };
    assert.deepEqual(await compare(a, [a, b, a]), { models: ['tunedModels/a', 'tunedModels/b'] });
    assert.deepEqual(await compare(a, []), { models: ['tunedModels/a'] }, 'a right-click without a selection');
    await assert.rejects(compare({ nothing: 1 }, [{ nothing: 2 }]), /Compare Loss needs tuned models/);
    assert.deepEqual(await compareLoss({ panels, pickModels: picker(['tunedModels/x', 'tunedModels/y']) })(), { models: ['tunedModels/x', 'tunedModels/y'] });
  });

  it('Add Model to Chart adds to the current chart, asking for models only when none is given', async () => {
    assert.equal(await addModelToChart({ panels: fakePanels(), pickModels: picker([]) })('tunedModels/a'), undefined, 'no chart, nothing to add to');
    const panels = fakePanels([['tunedModels/a']]);
    const pickModels = picker(['tunedModels/c']);
    const add = addModelToChart({ panels, pickModels });
    assert.deepEqual(await add({ model: { name: 'tunedModels/b' } }), { models: ['tunedModels/a', 'tunedModels/b'] });
    assert.deepEqual(pickModels.asked, []);
    assert.deepEqual(await add(), { models: ['tunedModels/a', 'tunedModels/b', 'tunedModels/c'] });
    assert.deepEqual(pickModels.asked, [{ exclude: ['tunedModels/a', 'tunedModels/b'], one: undefined }], 'models already shown are not offered');
    assert.equal(panels.all[0].revealed, 2);
  });

  it('Export Loss Values as CSV exports the current chart, and does nothing without one', async () => {
    const panels = fakePanels([['tunedModels/a'], ['tunedModels/b']]);
    await exportLossCsv({ panels })();
    assert.deepEqual(panels.all.map((p) => p.exported), [0, 1]);
    await exportLossCsv({ panels: fakePanels() })();
  });
});
