import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..', '..');
const pages = ['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The page's lines without code blocks and code spans, where brackets are not links. */
function outsideCodeBlocks(text: string): string[] {
  let inBlock = false;
  return text.split('\n').filter((line) => {
    if (line.startsWith('```')) inBlock = !inBlock;
    return !inBlock;
  }).map((line) => line.replace(/`[^`]*`/g, ''));
}

describe('documentation pages', () => {
  for (const page of pages) {
    const text = fs.readFileSync(path.join(root, page), 'utf8');
    const lines = outsideCodeBlocks(text);

    it(`${page}: every relative link and image points at a file of the repository`, () => {
      const broken: string[] = [];
      for (const line of lines) {
        for (const [, target] of line.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
          if (/^[a-z]+:/i.test(target)) continue;
          if (!fs.existsSync(path.resolve(root, path.dirname(page), target))) broken.push(target);
        }
      }
      assert.deepEqual(broken, []);
    });

    it(`${page}: no heading appears twice at the same level, as a bad merge would leave it`, () => {
      const headings = lines.filter((line) => /^#{1,3} /.test(line));
      const repeated = headings.filter((h, i) => headings.indexOf(h) !== i);
      assert.deepEqual(repeated, []);
    });
  }
});
