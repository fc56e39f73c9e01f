import { plural } from './diagnostics';
import { type SpecValidation } from './validateSpec';

/**
 * The summary row above a spec. It only describes what is valid: a spec whose YAML does not parse
 * gets no figures at all (they would be read from a structure the parser guessed), and examples
 * are counted only when valid, with the rows that are not named beside them.
 */
export function summaryLensTitle(result: SpecValidation | undefined): string {
  if (!result) return 'Checking…';
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  if (!result.structureReadable) return `The spec has YAML errors (${plural(errors, 'error')}): no summary until they are fixed; see Problems`;
  if (result.summary) return errors > 0 ? `${result.summary.text} · ${plural(errors, 'error')}` : result.summary.text;
  return errors > 0 ? `${plural(errors, 'error')}: see Problems` : 'No training examples yet';
}
