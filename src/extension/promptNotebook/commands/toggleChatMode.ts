import * as vscode from 'vscode';
import { notebookSettings } from '../execution';
import { tunebookFromArgument } from '../commandArguments';
import { updateNotebookMetadata } from '../settingsUi';

/** Turns chat mode on or off for a prompt notebook; resolves with the new state. */
export async function toggleChatMode(arg?: unknown): Promise<boolean | undefined> {
  const notebook = tunebookFromArgument(arg);
  if (!notebook) return undefined;
  const chat = !notebookSettings(notebook).chat;
  await updateNotebookMetadata(notebook, { ...notebookSettings(notebook), chat });
  void vscode.window.setStatusBarMessage(chat ? 'Chat mode on: earlier prompts and answers are sent as history' : 'Chat mode off: each prompt is sent alone', 4000);
  return chat;
}
