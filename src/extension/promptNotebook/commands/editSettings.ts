import { tunebookFromArgument } from '../commandArguments';
import { editPromptSettings } from '../settingsUi';

/** Edits the generation settings of a whole prompt notebook. */
export async function editSettings(arg?: unknown): Promise<boolean | undefined> {
  const notebook = tunebookFromArgument(arg);
  return notebook ? editPromptSettings({ kind: 'notebook', notebook }) : undefined;
}
