export const SpecCommands = {
  create: 'geminiTuning.createTunedModelFromSpec',
  validate: 'geminiTuning.validateSpec',
  newSpec: 'geminiTuning.newTuningSpec',
} as const;

/** The workbench's Problems panel, where the spec's diagnostics are listed. */
export const SHOW_PROBLEMS_COMMAND = 'workbench.actions.view.problems';

/** Registered by the Tuned Models view. */
export const REVEAL_MODEL_COMMAND = 'geminiTuning.revealModel';

export const SPEC_CREATIONS_STATE_KEY = 'geminiTuning.specCreations';
