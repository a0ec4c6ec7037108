// Checkpoints never touch the user's git repository: with no git at all, a clean repo, a dirty
// index (staged changes) and a repo left mid-rebase with a conflict, edits through the tools, a
// restore and its undo leave every byte under .git as it was (index, HEAD, ORIG_HEAD, refs,
// rebase-merge/). Real repositories, made with Debian's `git` (required: the CI machine has it).
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointStore, NodeCheckpointStorage } from '../../src/agent/checkpoints.ts';
import { applyPatchTool } from '../../src/tools/apply-patch.ts';
import { NodeHost } from '../../src/tools/node-host.ts';
import { withDefaults } from '../../src/tools/settings.ts';
import type { ToolContext } from '../../src/tools/types.ts';
import { cleanupFixtures, fixture, run } from './tools/helpers.ts';

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  GIT_EDITOR: 'true',
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Every file under .git (and what each symlink points at), path -> sha256. */
function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p);
      if (e.isDirectory()) {
        out[`${rel}/`] = 'dir';
        walk(p);
      } else if (e.isSymbolicLink()) out[rel] = `-> ${fs.readlinkSync(p)}`;
      else out[rel] = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

beforeAll(() => {
  try {
    git(os.tmpdir(), '--version');
  } catch {
    throw new Error('These tests need the `git` binary (Debian: apt-get install git); it was not found on PATH.');
  }
});
afterAll(() => cleanupFixtures());

const FILES = { 'a.txt': 'a0\n', 'b.txt': 'b0\n', 'conflict.txt': 'base\n' };

type Setup = 'no git' | 'clean repo' | 'dirty index' | 'mid-rebase';

function workspace(setup: Setup): string {
  const f = fixture(FILES);
  const root = f.root;
  if (setup === 'no git') return root;
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', '.');
  git(root, 'commit', '-q', '-m', 'base');
  if (setup === 'dirty index') {
    f.write('a.txt', 'a0 staged\n');
    f.write('staged-new.txt', 'new\n');
    git(root, 'add', 'a.txt', 'staged-new.txt');
    f.write('b.txt', 'b0 unstaged\n');
  }
  if (setup === 'mid-rebase') {
    git(root, 'checkout', '-q', '-b', 'topic');
    f.write('conflict.txt', 'topic\n');
    git(root, 'commit', '-q', '-am', 'topic');
    git(root, 'checkout', '-q', 'main');
    f.write('conflict.txt', 'main\n');
    git(root, 'commit', '-q', '-am', 'main');
    git(root, 'checkout', '-q', 'topic');
    let failed = false;
    try {
      git(root, 'rebase', 'main');
    } catch {
      failed = true;
    }
    expect(failed, 'the rebase stops on its conflict').toBe(true);
    expect(fs.existsSync(path.join(root, '.git', 'rebase-merge'))).toBe(true);
    expect(fs.existsSync(path.join(root, '.git', 'ORIG_HEAD'))).toBe(true);
  }
  return root;
}

describe("checkpoints leave the user's git repository byte-identical", () => {
  for (const setup of ['no git', 'clean repo', 'dirty index', 'mid-rebase'] as const) {
    it(`${setup}: edits, a restore and its undo`, async () => {
      const root = workspace(setup);
      const gitDir = path.join(root, '.git');
      // git status first: it may refresh the index's stat cache itself.
      const status = setup === 'no git' ? '' : git(root, 'status', '--porcelain=v2', '--branch');
      const before = setup === 'no git' ? undefined : hashTree(gitDir);

      const host = new NodeHost({ roots: [root] });
      const store = new CheckpointStore(new NodeCheckpointStorage(fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-git-'))));
      let turn = 0;
      const ctx: ToolContext = {
        host,
        settings: withDefaults({ edits: 'auto' }),
        signal: new AbortController().signal,
        progress: () => {},
        approve: async () => true,
        checkpoint: (changes) => store.snapshot('c', turn, changes),
      };
      const patch = (body: string) => run(applyPatchTool, `*** Begin Patch\n${body}\n*** End Patch`, ctx);
      const a = fs.readFileSync(path.join(root, 'a.txt'), 'utf8');
      const conflict = fs.readFileSync(path.join(root, 'conflict.txt'), 'utf8');

      await patch(`*** Update File: a.txt\n-${a.trimEnd()}\n+edited by the model\n*** Add File: added.txt\n+added`);
      turn = 1;
      await patch(
        `*** Update File: conflict.txt\n${conflict
          .trimEnd()
          .split('\n')
          .map((l) => `-${l}`)
          .join('\n')}\n+resolved by the model\n*** Delete File: b.txt`,
      );
      const id = await store.apply(await store.planRestore('c', 0, host), host);
      expect(fs.readFileSync(path.join(root, 'a.txt'), 'utf8')).toBe(a);
      expect(fs.readFileSync(path.join(root, 'conflict.txt'), 'utf8')).toBe(conflict);
      expect(fs.existsSync(path.join(root, 'added.txt'))).toBe(false);
      await store.apply(await store.planUndo('c', id, host), host);
      expect(fs.readFileSync(path.join(root, 'conflict.txt'), 'utf8')).toBe('resolved by the model\n');
      // Back to the start, so git's view of the work tree can be compared too.
      await store.apply(await store.planRestore('c', 0, host), host);

      if (setup === 'no git') {
        expect(fs.existsSync(gitDir), 'no .git is ever created').toBe(false);
      } else {
        expect(hashTree(gitDir)).toEqual(before);
        expect(git(root, 'status', '--porcelain=v2', '--branch')).toBe(status);
      }
    });
  }
});
