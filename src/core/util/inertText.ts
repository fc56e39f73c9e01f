/**
 * Text that came from the network or from a workspace (model names, descriptions, file names)
 * shown where the editor would otherwise interpret it: Markdown, notification messages.
 */

/**
 * A notification message turns `[label](command:…)`, `(https://…)` and `(file:…)` into links
 * that run or open on a click. A zero-width space between `]` and `(` keeps the text as it
 * reads, but no longer a link.
 */
export function inertNotificationText(text: string): string {
  return text.replace(/\]\(/g, ']\u200b(');
}

/** Escapes text for Markdown so that it renders as the plain text it is: no HTML, no links, no emphasis. */
export function escapeMarkdownText(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~&:]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

/** An inline code span holding `text` verbatim, whatever backticks it contains. */
export function markdownCodeSpan(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = longest > 0 || flat.startsWith(' ') || flat.endsWith(' ') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}
