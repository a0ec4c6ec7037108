// Issue 15, mentions: what each chip becomes for the model, bounded and guarded like the tools
// (a secret or ignored file never shows up in a folder listing, the problems, or the git diff).
// The git cases run Debian's `git` on a real temporary repository (required: they fail without it).
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MENTION_MAX_BYTES, mentionContextText, terminalText } from '../../src/agent/mention-context.ts';
import type { TerminalSnapshot } from '../../src/agent/mention-context.ts';
import type { ContextChip } from '../../src/shared/messages.ts';
import { gitChangesText } from '../../src/tools/git-diff.ts';
import { createToolRegistry } from '../../src/tools/registry.ts';
import { cleanupFixtures, context, fixture } from './tools/helpers.ts';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: os.tmpdir(),
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const chip = (kind: ContextChip['kind'], path = '', label = path || `@${kind}`): ContextChip => ({ kind, path, label });

function sources(root: string, terminal?: () => TerminalSnapshot) {
  const ctx = context(root);
  return { ctx, src: { tools: createToolRegistry(), toolContext: () => ctx, terminal } };
}

afterEach(() => cleanupFixtures());

describe('@folder', () => {
  it('lists the folder through list_files: a secret and an ignored file are left out', async () => {
    const ws = fixture({
      '.gitignore': 'dist/\n',
      'src/a.ts': 'a',
      'src/deep/b.ts': 'b',
      'src/.env': 'KEY=1',
      'src/dist/out.js': 'x',
    });
    const { src } = sources(ws.root);
    const text = await mentionContextText([chip('folder', 'src', 'src')], src);
    expect(text).toContain('<attached folder="src">');
    expect(text).toContain('a.ts');
    expect(text).toContain('deep/b.ts');
    expect(text).not.toContain('.env');
    expect(text).not.toContain('out.js');
  });

  it('is bounded, and says so', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) files[`big/file-with-a-long-name-${i}.txt`] = '';
    const ws = fixture(files);
    const { src } = sources(ws.root);
    const text = await mentionContextText([chip('folder', 'big', 'big')], src);
    expect(Buffer.byteLength(text)).toBeLessThan(MENTION_MAX_BYTES + 200);
    expect(text).toMatch(/more|cut|left out|not shown/i);
  });

  it('a folder outside the workspace is refused in words', async () => {
    const ws = fixture({ 'a.ts': '' });
    const { src } = sources(ws.root);
    const text = await mentionContextText([chip('folder', '../..', 'up')], src);
    expect(text).toMatch(/outside the workspace/i);
  });
});

describe('@problems', () => {
  it('lists the workspace diagnostics of every severity, leaving out secret and ignored files', async () => {
    const ws = fixture({ '.gitignore': 'gen/\n', 'a.ts': '', '.env': '', 'gen/x.ts': '' });
    const { ctx, src } = sources(ws.root);
    ctx.host.setDiagnostics(ws.abs('a.ts'), [
      { line: 3, column: 1, severity: 'error', message: 'Type error here' },
      { line: 4, column: 2, severity: 'hint', message: 'A hint' },
    ]);
    ctx.host.setDiagnostics(ws.abs('.env'), [{ line: 1, column: 1, severity: 'error', message: 'SECRET_VALUE' }]);
    ctx.host.setDiagnostics(ws.abs('gen/x.ts'), [{ line: 1, column: 1, severity: 'error', message: 'generated' }]);
    const text = await mentionContextText([chip('problems')], src);
    expect(text).toContain('<attached problems="problems">');
    expect(text).toContain('a.ts:3:1 error Type error here');
    expect(text).toContain('A hint');
    expect(text).not.toContain('SECRET_VALUE');
    expect(text).not.toContain('generated');
  });
});

describe('@terminal', () => {
  it('says plainly when there is no shell integration, no terminal, or nothing run', async () => {
    expect(terminalText({ state: 'no-shell-integration', terminal: 'sh' })).toMatch(/no shell integration/);
    expect(terminalText({ state: 'no-terminal' })).toMatch(/No terminal is open/);
    expect(terminalText({ state: 'nothing-run', terminal: 'bash' })).toMatch(/No command has run/);
  });

  it('gives the last command with its output and exit code, the cut said, bounded', async () => {
    const ws = fixture({ 'a.ts': '' });
    const output = 'x'.repeat(MENTION_MAX_BYTES * 2);
    const { src } = sources(ws.root, () => ({
      state: 'ok',
      terminal: 'bash',
      command: 'npm test',
      output,
      exitCode: 1,
      cut: 5000,
      running: false,
    }));
    const text = await mentionContextText([chip('terminal')], src);
    expect(text).toContain('$ npm test');
    expect(text).toContain('first 5000 bytes of output left out');
    expect(text).toContain('exit 1');
    expect(Buffer.byteLength(text)).toBeLessThan(MENTION_MAX_BYTES + 200);
  });
});

describe('@git (real git)', () => {
  beforeAll(() => {
    // Fails, does not skip, where git is missing.
    expect(() => git(os.tmpdir(), '--version'), 'these tests need the `git` binary on PATH').not.toThrow();
  });

  it('the diff of tracked files against HEAD; a changed secret and an ignored file are left out and named', async () => {
    const ws = fixture({
      '.gitignore': 'local.cfg\n',
      'src/app.ts': 'export const a = 1;\n',
      '.env': 'TOKEN=old\n',
      'gone.txt': 'bye\n',
    });
    git(ws.root, 'init', '-q', '-b', 'main');
    git(ws.root, 'add', '.');
    ws.write('local.cfg', 'tracked before being ignored\n');
    git(ws.root, 'add', '-f', 'local.cfg');
    git(ws.root, 'commit', '-q', '-m', 'base');
    ws.write('src/app.ts', 'export const a = 2;\n');
    ws.write('.env', 'TOKEN=new-secret-value\n');
    ws.write('local.cfg', 'changed-ignored-content\n');
    execFileSync('rm', [ws.abs('gone.txt')]);
    ws.write('untracked.txt', 'not in the diff\n');
    const { src } = sources(ws.root);
    const text = await mentionContextText([chip('git')], src);
    expect(text).toContain('<attached git="git">');
    expect(text).toContain('-export const a = 1;');
    expect(text).toContain('+export const a = 2;');
    expect(text).toContain('deleted file');
    expect(text).not.toContain('new-secret-value');
    expect(text).not.toContain('changed-ignored-content');
    expect(text).not.toContain('untracked.txt');
    expect(text).toMatch(
      /Left out \(the workspace guard refuses them\): .*\.env \(a secret file\).*local\.cfg \(ignored\)/,
    );
  });

  it('is bounded, the cut said', async () => {
    const ws = fixture({ 'big.txt': 'a\n'.repeat(10) });
    git(ws.root, 'init', '-q', '-b', 'main');
    git(ws.root, 'add', '.');
    git(ws.root, 'commit', '-q', '-m', 'base');
    ws.write('big.txt', 'line of changed text\n'.repeat(5000));
    const { src } = sources(ws.root);
    const text = await mentionContextText([chip('git')], src);
    expect(Buffer.byteLength(text)).toBeLessThan(MENTION_MAX_BYTES + 200);
    expect(text).toMatch(/omitted|cut|\.\.\./i);
  });

  it("a hostile repository's config runs nothing: no git at all when untrusted, no fsmonitor hook when trusted", async () => {
    const ws = fixture({ 'a.txt': 'one\n', '.gitattributes': '*.txt filter=evil\n' });
    git(ws.root, 'init', '-q', '-b', 'main');
    git(ws.root, 'add', '.');
    git(ws.root, 'commit', '-q', '-m', 'base');
    const marker = (name: string) => ws.abs(`../${name}-ran`);
    ws.write('hook.sh', `#!/bin/sh\ntouch '${marker('fsmonitor')}'\n`);
    execFileSync('chmod', ['+x', ws.abs('hook.sh')]);
    git(ws.root, 'config', 'core.fsmonitor', ws.abs('hook.sh'));
    git(ws.root, 'config', 'filter.evil.clean', `touch '${marker('filter')}'; cat`);
    ws.write('a.txt', 'two\n');
    const exists = (name: string) => execFileSync('ls', [ws.abs('..')], { encoding: 'utf8' }).includes(`${name}-ran`);

    const untrusted = context(ws.root, {}, { host: { trusted: false } });
    await expect(gitChangesText(untrusted)).rejects.toThrow(/not trusted/);
    expect(exists('filter'), 'git ran a filter in an untrusted workspace').toBe(false);
    expect(exists('fsmonitor')).toBe(false);

    const text = await gitChangesText(context(ws.root));
    expect(text).toContain('+two');
    expect(exists('fsmonitor'), 'the fsmonitor hook ran').toBe(false);
  });

  it('not a git repository: a clear sentence, not a crash', async () => {
    const ws = fixture({ 'a.ts': '' });
    const ctx = context(ws.root);
    await expect(gitChangesText(ctx)).rejects.toThrow(/No git changes to attach: .*not a git repository/);
    const text = await mentionContextText([chip('git')], { tools: createToolRegistry(), toolContext: () => ctx });
    expect(text).toMatch(/not a git repository/);
  });
});
