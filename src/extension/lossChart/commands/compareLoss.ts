import type { LossChartPanels, OpenedChart } from '../chartPanels';
import { modelNameFrom } from '../modelArgument';
import type { ModelPicker } from '../pickModels';

export interface CompareLossDeps {
  panels: Pick<LossChartPanels, 'open'>;
  pickModels: ModelPicker;
}

/**
 * Compare Loss: one new chart with the models selected in the tree (VS Code passes the clicked
 * item and the whole selection), or with models picked from the list.
 */
export function compareLoss({ panels, pickModels }: CompareLossDeps) {
  return async (item?: unknown, selected?: unknown): Promise<OpenedChart | undefined> => {
    const chosen = Array.isArray(selected) && selected.length > 0 ? selected : item === undefined ? [] : [item];
    let names = [...new Set(chosen.map(modelNameFrom).filter((n): n is string => n !== undefined))];
    if (names.length === 0 && item === undefined) names = await pickModels([]);
    if (names.length === 0) {
      if (item !== undefined) throw new Error('Compare Loss needs tuned models: select them in the Tuned Models view.');
      return undefined;
    }
    return { models: [...panels.open(names).modelNames] };
  };
}
