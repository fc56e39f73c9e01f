import type { LossChartPanels, OpenedChart } from '../chartPanels';
import { modelNameFrom } from '../modelArgument';
import type { ModelPicker } from '../pickModels';

export interface OpenLossChartDeps {
  panels: Pick<LossChartPanels, 'ledBy' | 'open'>;
  pickModels: ModelPicker;
}

/**
 * Open Loss Chart: for the model given (a name or a tree item), or one picked from the list.
 * A model has one chart of its own: opening it again reveals that one.
 */
export function openLossChart({ panels, pickModels }: OpenLossChartDeps) {
  return async (arg?: unknown): Promise<OpenedChart | undefined> => {
    const name = modelNameFrom(arg) ?? (arg === undefined ? (await pickModels([], { one: true }))[0] : undefined);
    if (!name) {
      if (arg !== undefined) throw new Error('Open Loss Chart needs a tuned model or its name.');
      return undefined;
    }
    const existing = panels.ledBy(name);
    if (existing) {
      existing.reveal();
      return { models: [...existing.modelNames] };
    }
    return { models: [...panels.open([name]).modelNames] };
  };
}
