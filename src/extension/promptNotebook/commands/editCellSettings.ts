import { promptCellFromArgument } from '../commandArguments';
import { editPromptSettings } from '../settingsUi';

/** Edits the settings one prompt cell overrides. */
export async function editCellSettings(arg?: unknown): Promise<boolean | undefined> {
  const cell = promptCellFromArgument(arg);
  return cell ? editPromptSettings({ kind: 'cell', cell }) : undefined;
}
