import type { LossChartPanels, OpenedChart } from '../chartPanels';
import { modelNameFrom } from '../modelArgument';
import type { ModelPicker } from '../pickModels';

export interface AddModelToChartDeps {
  panels: Pick<LossChartPanels, 'target'>;
  pickModels: ModelPicker;
}

/** Add Model to Chart: the model given (a tree item), or models picked from the list, join the active chart. */
export function addModelToChart({ panels, pickModels }: AddModelToChartDeps) {
  return async (arg?: unknown): Promise<OpenedChart | undefined> => {
    const panel = panels.target();
    if (!panel) return undefined;
    const given = modelNameFrom(arg);
    await panel.addModels(given ? [given] : await pickModels(panel.modelNames));
    panel.reveal();
    return { models: [...panel.modelNames] };
  };
}
