export const SpecCommands = {
  create: 'geminiTuning.createTunedModelFromSpec',
  validate: 'geminiTuning.validateSpec',
  newSpec: 'geminiTuning.newTuningSpec',
} as const;

/** Registered by the Tuned Models view. */
export const REVEAL_MODEL_COMMAND = 'geminiTuning.revealModel';

export const SPEC_CREATIONS_STATE_KEY = 'geminiTuning.specCreations';
