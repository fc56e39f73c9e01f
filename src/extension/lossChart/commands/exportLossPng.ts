import type { LossChartPanels } from '../chartPanels';

export interface ExportLossPngDeps {
  panels: Pick<LossChartPanels, 'target'>;
}

/** Export Loss Chart as PNG: the active chart as drawn, to a file the user chooses. */
export function exportLossPng({ panels }: ExportLossPngDeps) {
  return async (): Promise<void> => {
    await panels.target()?.exportPng();
  };
}
