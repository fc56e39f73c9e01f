import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';

const root = path.resolve(__dirname, '..', '..', '..', '..');
const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');

/** Entry names and their bytes, read from a zip's central directory. */
function readZip(file: string): Map<string, () => Buffer> {
  const zip = fs.readFileSync(file);
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, `${file} is not a zip`);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries = new Map<string, () => Buffer>();
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50, 'central directory entry');
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    entries.set(name, () => {
      const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
      const data = zip.subarray(dataStart, dataStart + compressedSize);
      return method === 8 ? inflateRawSync(data) : Buffer.from(data);
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

describe('the .vsix package', function () {
  this.timeout(120_000);
  let tmp: string;
  let entries: Map<string, () => Buffer>;

  before(async () => {
    assert.ok(fs.existsSync(path.join(root, 'dist', 'extension.js')), 'dist/extension.js is built (node esbuild.mjs)');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gemini-tuning-vsix-'));
    const out = path.join(tmp, 'gemini-tuning.vsix');
    await promisify(execFile)(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out], { cwd: root });
    entries = readZip(out);
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('holds the bundled extension, the manifest, the README and the license', () => {
    const names = [...entries.keys()];
    for (const required of ['extension/package.json', 'extension/dist/extension.js', 'extension.vsixmanifest']) {
      assert.ok(entries.has(required), `${required} in ${names.join(', ')}`);
    }
    assert.ok(names.some((n) => /^extension\/readme\.md$/i.test(n)), 'README');
    assert.ok(names.some((n) => /^extension\/license(\.txt|\.md)?$/i.test(n)), 'LICENSE');
  });

  it('holds every image the README shows, so that the details page of the installed extension shows them too', () => {
    const readme = entries.get('extension/readme.md') ?? entries.get('extension/README.md');
    assert.ok(readme, 'README in the package');
    const images = [...readme().toString('utf8').matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((src) => !/^[a-z]+:/i.test(src));
    assert.ok(images.length > 0, 'the README shows screenshots');
    const missing = images.filter((src) => !entries.has(`extension/${path.posix.normalize(src)}`));
    assert.deepEqual(missing, []);
  });

  it('holds every file the Getting Started walkthrough shows', () => {
    const manifest = JSON.parse(entries.get('extension/package.json')!().toString('utf8')) as { contributes: { walkthroughs?: { steps: { media: { markdown?: string; image?: string } }[] }[] } };
    const media = (manifest.contributes.walkthroughs ?? []).flatMap((w) => w.steps.map((s) => s.media.markdown ?? s.media.image ?? ''));
    assert.ok(media.length > 0, 'a walkthrough with media');
    assert.deepEqual(media.filter((file) => !entries.has(`extension/${path.posix.normalize(file)}`)), []);
  });

  it('carries the icon and the changelog the Marketplace shows, and no developer documentation', () => {
    const manifest = JSON.parse(entries.get('extension/package.json')!().toString('utf8')) as { icon?: string };
    assert.ok(manifest.icon, 'package.json names an icon');
    assert.ok(entries.has(`extension/${path.posix.normalize(manifest.icon)}`), `${manifest.icon} is in the package`);
    assert.ok([...entries.keys()].some((n) => /^extension\/changelog\.md$/i.test(n)), 'CHANGELOG');
    const developerDocs = [...entries.keys()].filter((n) => /^extension\/(contributing\.md|docs\/.*\.md|tools\/|\.ci\/)/i.test(n));
    assert.deepEqual(developerDocs, []);
  });

  it('holds nothing from src/, test/, out/ or node_modules, and no source maps', () => {
    const unwanted = [...entries.keys()].filter((n) => /^extension\/(src|test|out|node_modules|media\/.*\.ts$)/.test(n) || n.endsWith('.map') || n.endsWith('.ts'));
    assert.deepEqual(unwanted, []);
  });

  it('carries the manifest of this checkout, pointing at the bundled entry', () => {
    const manifest = JSON.parse(entries.get('extension/package.json')!().toString('utf8')) as { name: string; publisher: string; main: string };
    const source = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; publisher: string; main: string };
    assert.equal(`${manifest.publisher}.${manifest.name}`, `${source.publisher}.${source.name}`);
    assert.ok(entries.has(`extension/${path.posix.normalize(manifest.main)}`), `main ${manifest.main} is in the package`);
  });
});
