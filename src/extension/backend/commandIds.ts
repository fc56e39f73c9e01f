export const BackendCommands = {
  setApiKey: 'geminiTuning.setApiKey',
  clearApiKey: 'geminiTuning.clearApiKey',
  switchBackend: 'geminiTuning.switchBackend',
  setVertexProject: 'geminiTuning.setVertexProject',
  /** What clicking the status bar item runs. */
  showBackendMenu: 'geminiTuning.showBackendMenu',
  showLog: 'geminiTuning.showLog',
  showServerLog: 'geminiTuning.showServerLog',
  retryConnection: 'geminiTuning.retryConnection',
  restartLocalServer: 'geminiTuning.restartLocalServer',
} as const;
