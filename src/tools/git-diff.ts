// `@git` in the chat: the working tree's changes to tracked files against HEAD, as `git diff`
// prints them, for the model. Git runs without a shell, in each local workspace folder; every
// changed file passes the workspace guard first, and what it refuses (secrets, ignored files) is
// left out of the diff and named as left out. Bounded like a tool's output.
import { execFile } from 'node:child_process';
import { WorkspaceGuard, boundOutput } from './guard.ts';
import type { WorkspaceRoot } from './guard.ts';
import { ToolError } from './types.ts';
import type { ToolContext } from './types.ts';

/** Runs git with these arguments in `cwd`; resolves stdout, rejects with git's stderr. */
export type GitRunner = (cwd: string, args: string[], signal?: AbortSignal) => Promise<string>;

const MAX_GIT_BYTES = 8 * 1024 * 1024;

export const runGit: GitRunner = (cwd, args, signal) =>
  new Promise((resolve, reject) => {
    execFile(
      'git',
      // No pager, no colour, no external diff driver or textconv: the plain diff of the bytes. No
      // fsmonitor hook either (a command the repository's config names).
      ['--no-pager', '-c', 'core.quotePath=false', '-c', 'core.fsmonitor=false', ...args],
      {
        cwd,
        signal,
        maxBuffer: MAX_GIT_BYTES,
        encoding: 'utf8',
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' },
      },
      (err, stdout, stderr) => {
        if (err) {
          const code = (err as NodeJS.ErrnoException).code;
          reject(
            new Error(
              code === 'ENOENT'
                ? 'git was not found on PATH'
                : (stderr || err.message).trim().split('\n')[0] || 'git failed',
            ),
          );
        } else resolve(stdout);
      },
    );
  });

/**
 * The diff of the tracked files of every local workspace folder against HEAD. Throws a
 * ToolError with a plain sentence when no folder is a git repository (or git is missing), or
 * when the workspace is not trusted.
 */
export async function gitChangesText(ctx: ToolContext, git: GitRunner = runGit): Promise<string> {
  const guard = WorkspaceGuard.for(ctx);
  // A repository's own config can make `git diff` run commands (clean filters, fsmonitor): as
  // VS Code's git extension, only in a trusted workspace.
  guard.requireTrusted('reading its git changes');
  const roots = await guard.loadRoots();
  const parts: string[] = [];
  const problems: string[] = [];
  for (const root of roots) {
    if (root.localPath === undefined) {
      problems.push(`${root.name}: not a local folder, so git cannot run there`);
      continue;
    }
    try {
      parts.push(await rootDiff(guard, root, root.localPath, git, ctx.signal));
    } catch (err) {
      problems.push(`${root.name}: ${(err as Error).message}`);
    }
  }
  if (!parts.length)
    throw new ToolError(
      'invalid_arguments',
      `No git changes to attach: ${problems.join('; ') || 'no workspace folder is open'}.`,
    );
  const text = [...parts, ...problems.map((p) => `(${p})`)].join('\n\n');
  return boundOutput(text, ctx.settings.maxOutputBytes, { hint: 'attach the changed files one by one instead' });
}

async function rootDiff(
  guard: WorkspaceGuard,
  root: WorkspaceRoot,
  cwd: string,
  git: GitRunner,
  signal: AbortSignal,
): Promise<string> {
  let top: string;
  try {
    top = (await git(cwd, ['rev-parse', '--show-prefix'], signal)).trim();
  } catch (err) {
    const msg = (err as Error).message;
    throw new Error(/not a git repository/i.test(msg) ? 'not a git repository' : msg);
  }
  try {
    await git(cwd, ['rev-parse', '--verify', '--quiet', 'HEAD'], signal);
  } catch {
    throw new Error('the repository has no commits yet');
  }
  // Paths relative to the folder (`--relative`), NUL-separated so any name survives.
  const names = (await git(cwd, ['diff', 'HEAD', '--relative', '--name-only', '-z', '--', '.'], signal))
    .split('\0')
    .filter(Boolean);
  const label = guard.roots().length > 1 ? `${root.name}: ` : '';
  if (!names.length) return `${label}no changes to tracked files against HEAD${top ? ` (in ${top})` : ''}.`;
  const shown: string[] = [];
  const left: string[] = [];
  for (const rel of names) {
    const display = guard.displayRel(root, rel);
    try {
      // A deleted file cannot be stat'ed, but its path is checked all the same (secret, ignored).
      await guard.resolve(guard.roots().length > 1 ? `${root.name}/${rel}` : rel, 'read');
      shown.push(rel);
    } catch (err) {
      if (!(err instanceof ToolError)) throw err;
      left.push(
        `${display} (${err.code === 'secret' ? 'a secret file' : err.code === 'ignored' ? 'ignored' : err.code})`,
      );
    }
  }
  const diff = shown.length
    ? await git(
        cwd,
        ['diff', 'HEAD', '--relative', '--no-ext-diff', '--no-textconv', '--no-color', '--', ...shown.map(literal)],
        signal,
      )
    : '';
  const head = `${label}${shown.length} changed file${shown.length === 1 ? '' : 's'} against HEAD`;
  const note = left.length ? `\nLeft out (the workspace guard refuses them): ${left.join(', ')}` : '';
  return `${head}:${note}\n${diff.trimEnd()}`;
}

/** A pathspec that matches only this path (no glob, no magic). */
const literal = (rel: string): string => `:(literal)${rel}`;
