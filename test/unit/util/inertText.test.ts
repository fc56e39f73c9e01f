import * as assert from 'node:assert/strict';
import { escapeMarkdownText, inertNotificationText, markdownCodeSpan } from '../../../src/core/util/inertText';

/** How VS Code finds links in a notification message (src/vs/base/common/linkedText.ts, VS Code 1.139). */
const NOTIFICATION_LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/gi;

function links(message: string): string[] {
  return [...message.matchAll(NOTIFICATION_LINK)].map((m) => m[2]);
}

describe('inert text', () => {
  describe('inertNotificationText', () => {
    const hostile = [
      '[Open me](command:workbench.action.quit)',
      'a [b](https://example.com/t) c [d](file:///etc/passwd "title")',
      '[x](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22rm%22%7D)',
    ];

    it('leaves no link that VS Code would make clickable', () => {
      for (const text of hostile) {
        assert.ok(links(`Tuned model "${text}" is ready.`).length > 0, `control: the raw text is a link: ${text}`);
        assert.deepEqual(links(`Tuned model "${inertNotificationText(text)}" is ready.`), [], text);
      }
    });

    it('keeps the text as it reads', () => {
      for (const text of hostile) assert.equal(inertNotificationText(text).replace(/\u200b/g, ''), text);
      assert.equal(inertNotificationText('plain name'), 'plain name');
    });
  });

  describe('escapeMarkdownText', () => {
    it('escapes every character that starts HTML, a link, emphasis or code', () => {
      assert.equal(escapeMarkdownText('<img src=x onerror=alert(1)>'), '\\<img src=x onerror=alert\\(1\\)\\>');
      assert.equal(escapeMarkdownText('[a](javascript:alert(1))'), '\\[a\\]\\(javascript\\:alert\\(1\\)\\)');
      assert.equal(escapeMarkdownText('**b** `c` a|b'), '\\*\\*b\\*\\* \\`c\\` a\\|b');
      assert.equal(escapeMarkdownText('one\ntwo'), 'one two');
    });
  });

  describe('markdownCodeSpan', () => {
    it('fences text with a run longer than any backticks inside', () => {
      assert.equal(markdownCodeSpan('tunedModels/a'), '`tunedModels/a`');
      assert.equal(markdownCodeSpan('a`b'), '`` a`b ``');
      assert.equal(markdownCodeSpan('``x'), '``` ``x ```');
    });
  });
});
