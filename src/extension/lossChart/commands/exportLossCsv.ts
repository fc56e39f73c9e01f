import type { LossChartPanels } from '../chartPanels';

export interface ExportLossCsvDeps {
  panels: Pick<LossChartPanels, 'target'>;
}

/** Export Loss Values as CSV: the active chart's loss values, to a file the user chooses. */
export function exportLossCsv({ panels }: ExportLossCsvDeps) {
  return async (): Promise<void> => {
    await panels.target()?.exportCsv();
  };
}
