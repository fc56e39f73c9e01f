export const NOTEBOOK_COMMANDS = {
  openInNotebook: 'geminiTuning.openInNotebook',
  runAgainstBaseModel: 'geminiTuning.notebook.runAgainstBaseModel',
  evaluateTunedModel: 'geminiTuning.evaluateTunedModel',
  addAsTrainingExample: 'geminiTuning.notebook.addAsTrainingExample',
  toggleChatMode: 'geminiTuning.notebook.toggleChatMode',
  editSettings: 'geminiTuning.notebook.editSettings',
  editCellSettings: 'geminiTuning.notebook.editCellSettings',
} as const;
