// `npm run package` (README, "Use it in VS Code", step 1) run as CI would: in a fresh clone of the
// repository's committed HEAD, with no dist/ and no out/. Then the .vsix's exact file list, and the
// same again after a development build has left source maps in dist/.
//
// The clone gets a symlink to this checkout's node_modules instead of its own `npm ci` (minutes,
// and the registry): node_modules is what `npm ci` installs from the same package-lock.json, and
// neither the build nor vsce writes to it. Everything else the package is made from (sources,
// manifest, .vscodeignore, esbuild.js) comes from the commit, and nothing the checkout has built
// (dist/, out/) is in the clone: the test checks that before packaging. It tests HEAD, not the
// working tree: commit a change to those files before expecting this test to see it.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipEntries } from '../../bench/size/zip.ts';

const REPO = path.resolve(import.meta.dirname, '../..');

/** What a .vsix of Warmline holds: vsce's two manifest files, then package.json, README and what runs. */
const EXPECTED = [
  '[Content_Types].xml',
  'extension.vsixmanifest',
  'extension/package.json',
  'extension/readme.md',
  'extension/dist/package.json', // { "type": "commonjs" }: the bundles are CommonJS in an ESM package
  'extension/dist/extension.js',
  'extension/dist/grep-worker.js',
  'extension/dist/webview.js',
  'extension/dist/webview-style.css',
  'extension/dist/codicons/codicon.css',
  'extension/dist/codicons/codicon.ttf',
  'extension/media/warmline.svg',
].sort();

let clone = '';

function npmRunPackage(): { status: number | null; output: string } {
  // npm's own script starts `node` from PATH: put the Node running this test first.
  const env = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}` };
  const r = spawnSync('npm', ['run', 'package'], {
    cwd: clone,
    env,
    encoding: 'utf8',
    timeout: 180_000,
    shell: process.platform === 'win32',
  });
  return { status: r.status, output: `${r.error?.message ?? ''}${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function vsixFiles(): string[] {
  return zipEntries(path.join(clone, 'out', 'warmline.vsix'))
    .map((e) => e.name)
    .sort();
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true })
    .map((f) => String(f).split(path.sep).join('/'))
    .sort();
}

beforeAll(() => {
  clone = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'warmline-package-')), 'warmline');
  execFileSync('git', ['clone', '--quiet', '--shared', REPO, clone], { stdio: 'pipe' });
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(clone, 'node_modules'), 'junction');
});

afterAll(() => {
  if (clone) fs.rmSync(path.dirname(clone), { recursive: true, force: true });
});

describe('npm run package, in a fresh clone', () => {
  it('packages out/warmline.vsix with exactly the runtime files, though nothing had made dist/ or out/', () => {
    // Fresh: the commit's files and the node_modules link, nothing built, nothing ignored.
    expect(fs.existsSync(path.join(clone, 'dist'))).toBe(false);
    expect(fs.existsSync(path.join(clone, 'out'))).toBe(false);
    const status = execFileSync('git', ['status', '--porcelain', '--ignored', '--untracked-files=all'], {
      cwd: clone,
      encoding: 'utf8',
    });
    expect(
      status
        .split('\n')
        .filter(Boolean)
        .map((l) => l.slice(3).replace(/\/$/, '')),
    ).toEqual(['node_modules']);

    const r = npmRunPackage();
    expect(r.status, r.output).toBe(0);
    expect(vsixFiles()).toEqual(EXPECTED);
    // The production build is what shipped: minified, no reference to a map.
    const bundle = fs.readFileSync(path.join(clone, 'dist', 'extension.js'), 'utf8');
    expect(bundle).not.toMatch(/sourceMappingURL/);
    const shipped = zipEntries(path.join(clone, 'out', 'warmline.vsix')).find(
      (e) => e.name === 'extension/dist/extension.js',
    );
    expect(shipped?.size).toBe(Buffer.byteLength(bundle));
  }, 240_000);

  it('ships no source map after a development build left maps (and a stale bundle) in dist/', () => {
    const dev = spawnSync(process.execPath, ['esbuild.js'], { cwd: clone, encoding: 'utf8', timeout: 120_000 });
    expect(dev.status, `${dev.stdout}${dev.stderr}`).toBe(0);
    fs.writeFileSync(path.join(clone, 'dist', 'stale-bundle.js'), '// left by an earlier build\n');
    fs.writeFileSync(path.join(clone, 'dist', 'stale-bundle.js.map'), '{}\n');
    const maps = filesUnder(path.join(clone, 'dist')).filter((f) => f.endsWith('.map'));
    expect(maps).toEqual(
      expect.arrayContaining(['extension.js.map', 'grep-worker.js.map', 'webview.js.map', 'stale-bundle.js.map']),
    );
    // .vscodeignore on its own, as vsce reads it over this dist/ (for a `vsce package` run by hand).
    const ls = spawnSync(
      process.execPath,
      [path.join(clone, 'node_modules', '@vscode', 'vsce', 'vsce'), 'ls', '--no-dependencies'],
      { cwd: clone, encoding: 'utf8', timeout: 120_000 },
    );
    expect(ls.status, `${ls.stdout}${ls.stderr}`).toBe(0);
    expect(ls.stdout.split('\n').filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(ls.stdout).toMatch(/^dist\/extension\.js$/m);

    const r = npmRunPackage();
    expect(r.status, r.output).toBe(0);
    const files = vsixFiles();
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files).toEqual(EXPECTED);
  }, 240_000);
});
