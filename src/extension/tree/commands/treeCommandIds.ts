/** The commands of the Tuned Models view, as `package.json` contributes them. */
export const TreeCommands = {
  refresh: 'geminiTuning.refreshModels',
  filter: 'geminiTuning.filterModels',
  clearFilter: 'geminiTuning.clearFilter',
  reveal: 'geminiTuning.revealModel',
  copyName: 'geminiTuning.copyModelName',
  copyCurl: 'geminiTuning.copyModelAsCurl',
  copyTypeScript: 'geminiTuning.copyModelAsTypeScript',
  rename: 'geminiTuning.renameModel',
  edit: 'geminiTuning.editModel',
  delete: 'geminiTuning.deleteModel',
  share: 'geminiTuning.shareModel',
  details: 'geminiTuning.showModelDetails',
  tuneAgain: 'geminiTuning.tuneAgain',
  cancelTuningJob: 'geminiTuning.cancelTuningJob',
} as const;
