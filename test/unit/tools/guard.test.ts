import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_SECRET_PATTERNS, WorkspaceGuard } from '../../../src/tools/guard.ts';
import { parseIgnoreFile, lastMatch } from '../../../src/tools/ignore-rules.ts';
import { NodeHost } from '../../../src/tools/node-host.ts';
import { withDefaults } from '../../../src/tools/settings.ts';
import { cleanupFixtures, expectToolError, fixture } from './helpers.ts';

afterAll(cleanupFixtures);

const guardFor = (roots: string | string[], settings = {}, trusted = true) =>
  new WorkspaceGuard(new NodeHost({ roots: Array.isArray(roots) ? roots : [roots], trusted }), withDefaults(settings));

describe('gitignore rules', () => {
  const decide = (rules: string, p: string, isDir = false) => {
    const m = lastMatch(parseIgnoreFile(rules, '.gitignore'), p, isDir);
    return m ? !m.negate : false;
  };

  it('matches unanchored patterns at any depth and anchored ones from the folder', () => {
    expect(decide('*.log', 'a.log')).toBe(true);
    expect(decide('*.log', 'deep/down/a.log')).toBe(true);
    expect(decide('/build', 'build', true)).toBe(true);
    expect(decide('/build', 'src/build', true)).toBe(false);
    expect(decide('doc/*.txt', 'doc/a.txt')).toBe(true);
    expect(decide('doc/*.txt', 'doc/sub/a.txt')).toBe(false);
    expect(decide('doc/**/*.txt', 'doc/sub/a.txt')).toBe(true);
  });

  it('treats a trailing slash as directories only', () => {
    expect(decide('out/', 'out', true)).toBe(true);
    expect(decide('out/', 'out', false)).toBe(false);
  });

  it('lets a later negation re-include, and honours escapes and comments', () => {
    expect(decide('*.log\n!keep.log', 'keep.log')).toBe(false);
    expect(decide('*.log\n!keep.log', 'other.log')).toBe(true);
    expect(decide('# comment\n\\#hash', '#hash')).toBe(true);
    expect(decide('\\!bang', '!bang')).toBe(true);
    expect(decide('trailing   ', 'trailing')).toBe(true);
    expect(decide('{a,b}', 'a')).toBe(false); // braces are literal in gitignore
  });
});

describe('WorkspaceGuard paths', () => {
  it('resolves relative paths against the first root and shows them relative', async () => {
    const ws = fixture({ 'src/a.ts': 'x' });
    const r = await guardFor(ws.root).resolve('src/a.ts', 'read');
    expect(r.uri).toBe(ws.uri('src/a.ts'));
    expect(r.display).toBe('src/a.ts');
    expect(r.stat?.type).toBe('file');
  });

  it('refuses .. that leads outside', async () => {
    const ws = fixture({ 'a.txt': 'x' });
    fs.writeFileSync(path.join(ws.root, '..', 'outside.txt'), 'secret');
    await expectToolError(
      guardFor(ws.root).resolve('../outside.txt', 'read'),
      'outside_workspace',
      /outside the workspace/,
    );
    await expectToolError(guardFor(ws.root).resolve('src/../../outside.txt', 'read'), 'outside_workspace');
    // .. that stays inside is fine
    expect((await guardFor(ws.root).resolve('src/../a.txt', 'read')).display).toBe('a.txt');
  });

  it('refuses absolute paths outside and accepts absolute paths inside', async () => {
    const ws = fixture({ 'a.txt': 'x' });
    await expectToolError(guardFor(ws.root).resolve('/etc/passwd', 'read'), 'outside_workspace');
    expect((await guardFor(ws.root).resolve(ws.abs('a.txt'), 'read')).display).toBe('a.txt');
  });

  it('refuses symlinks that lead out, for files and folders, and follows ones that stay in', async () => {
    const ws = fixture({ 'real.txt': 'inside' });
    const outside = fixture({ 'target.txt': 'outside', 'dir/x.txt': 'outside' }, 'out');
    fs.symlinkSync(path.join(outside.root, 'target.txt'), ws.abs('link.txt'));
    fs.symlinkSync(path.join(outside.root, 'dir'), ws.abs('linkdir'));
    fs.symlinkSync(ws.abs('real.txt'), ws.abs('inner.txt'));
    const g = guardFor(ws.root);
    await expectToolError(g.resolve('link.txt', 'read'), 'outside_workspace', /symbolic link/);
    await expectToolError(g.resolve('linkdir/x.txt', 'read'), 'outside_workspace', /symbolic link/);
    await expectToolError(g.resolve('linkdir/new.txt', 'write'), 'outside_workspace');
    expect((await g.resolve('inner.txt', 'read')).stat?.type).toBe('file');
  });

  it('accepts <folderName>/path in a multi-root workspace', async () => {
    const a = fixture({ 'x.txt': 'a' }, 'alpha');
    const b = fixture({ 'x.txt': 'b' }, 'beta');
    const g = guardFor([a.root, b.root]);
    const r = await g.resolve('beta/x.txt', 'read');
    expect(r.uri).toBe(b.uri('x.txt'));
    expect(r.display).toBe('beta/x.txt');
    expect((await g.resolve('x.txt', 'read')).uri).toBe(a.uri('x.txt'));
  });

  it('refuses an empty path clearly', async () => {
    const ws = fixture();
    await expectToolError(guardFor(ws.root).resolve('  ', 'read'), 'invalid_arguments', /empty/);
  });
});

describe('WorkspaceGuard secrets', () => {
  const names = [
    '.env',
    'config/.env.local',
    '.env.production',
    'certs/server.pem',
    'tls.key',
    '.ssh/id_rsa',
    'id_ed25519.pub',
    'store.p12',
    'a.pfx',
    '.npmrc',
    '.netrc',
    '.pypirc',
    'credentials.json',
    'gcp/credentials-prod.json',
    'home/.aws/credentials',
    'secrets.yaml',
  ];

  it.each(names)('refuses %s even by exact name', async (name) => {
    const ws = fixture({ [name]: 'TOKEN=1' });
    await expectToolError(guardFor(ws.root).resolve(name, 'read'), 'secret', /secret/);
  });

  it('allows .env.example and .env.sample', async () => {
    const ws = fixture({ '.env.example': 'TOKEN=', '.env.sample': 'TOKEN=' });
    expect((await guardFor(ws.root).resolve('.env.example', 'read')).display).toBe('.env.example');
    expect((await guardFor(ws.root).resolve('.env.sample', 'read')).display).toBe('.env.sample');
  });

  it('adds settings.secretPatterns to the defaults', async () => {
    const ws = fixture({ 'vault/token.txt': 'x', 'notes.txt': 'x' });
    const g = guardFor(ws.root, { secretPatterns: ['vault/'] });
    await expectToolError(g.resolve('vault/token.txt', 'read'), 'secret');
    expect((await g.resolve('notes.txt', 'read')).display).toBe('notes.txt');
  });

  it('refuses a symlink inside the workspace that points at a secret', async () => {
    const ws = fixture({ '.env': 'TOKEN=1' });
    fs.symlinkSync(ws.abs('.env'), ws.abs('innocent.txt'));
    await expectToolError(guardFor(ws.root).resolve('innocent.txt', 'read'), 'secret');
  });

  it('exports the documented default list', () => {
    expect(DEFAULT_SECRET_PATTERNS).toContain('.env');
    expect(DEFAULT_SECRET_PATTERNS).toContain('!.env.example');
    expect(DEFAULT_SECRET_PATTERNS).toContain('.aws/credentials');
  });
});

describe('WorkspaceGuard ignore rules', () => {
  const files = {
    '.gitignore': 'build/\n*.log\n!keep.log\n/root-only.txt\n',
    'build/out.js': 'x',
    'app.log': 'x',
    'keep.log': 'x',
    'root-only.txt': 'x',
    'sub/root-only.txt': 'x',
    'sub/.gitignore': 'generated.ts\n!app.log\n',
    'sub/generated.ts': 'x',
    'sub/app.log': 'x',
    'other/generated.ts': 'x',
    '.warmlineignore': 'private/\n',
    'private/notes.md': 'x',
    '.git/config': '[core]',
    'node_modules/lib/index.d.ts': 'export {}',
  };

  it('hides gitignored files (nested, negated, anchored) with the rule in the message', async () => {
    const ws = fixture({ ...files, '.gitignore': `${files['.gitignore']}node_modules/\n` });
    const g = guardFor(ws.root);
    await expectToolError(g.resolve('build/out.js', 'read'), 'ignored', /\.gitignore \(rule 'build\/'\)/);
    await expectToolError(g.resolve('app.log', 'read'), 'ignored');
    expect((await g.resolve('keep.log', 'read')).display).toBe('keep.log');
    await expectToolError(g.resolve('root-only.txt', 'read'), 'ignored');
    expect((await g.resolve('sub/root-only.txt', 'read')).display).toBe('sub/root-only.txt');
    await expectToolError(g.resolve('sub/generated.ts', 'read'), 'ignored', /sub\/\.gitignore/);
    expect((await g.resolve('other/generated.ts', 'read')).display).toBe('other/generated.ts');
    expect((await g.resolve('sub/app.log', 'read')).display).toBe('sub/app.log'); // re-included by the nested file
  });

  it('hides .warmlineignore matches and everything in .git', async () => {
    const ws = fixture(files);
    const g = guardFor(ws.root);
    await expectToolError(g.resolve('private/notes.md', 'read'), 'ignored', /\.warmlineignore/);
    await expectToolError(g.resolve('.git/config', 'read'), 'ignored', /\.git/);
  });

  it('lets node_modules files be read by explicit path even when .gitignore lists node_modules', async () => {
    const ws = fixture({ ...files, '.gitignore': 'node_modules/\n' });
    const g = guardFor(ws.root);
    expect((await g.resolve('node_modules/lib/index.d.ts', 'read')).display).toBe('node_modules/lib/index.d.ts');
    await expectToolError(g.resolve('node_modules/lib/index.d.ts', 'write'), 'ignored');
  });

  it('refuses edits in an untrusted workspace, reading stays', async () => {
    const ws = fixture({ 'a.txt': 'x' });
    const g = guardFor(ws.root, {}, false);
    expect((await g.resolve('a.txt', 'read')).display).toBe('a.txt');
    await expectToolError(() => g.requireTrusted('editing files'), 'untrusted', /not trusted/);
  });
});
