// list_files: a folder's entries, or the files matching a glob (minimatch), hiding what the
// guard hides, bounded by settings.maxListEntries and by walk time and size.
import { Minimatch } from 'minimatch';
import { WorkspaceGuard, hasGlobChars } from './guard.ts';
import type { WorkspaceRoot } from './guard.ts';
import { boundOutput } from './output.ts';
import { boolean, object, optional, string } from './schema.ts';
import type { ArgsOf } from './schema.ts';
import { LIMITS } from './settings.ts';
import { ToolError } from './types.ts';
import type { Tool, ToolContext, ToolResult } from './types.ts';
import { newWalkStats, walk } from './walk.ts';

const shape = {
  path: optional(
    string(
      'Folder to list, relative to the workspace root (e.g. "src"). Null for the workspace root. A glob here (e.g. "src/**/*.ts") works like path + glob.',
    ),
  ),
  glob: optional(
    string(
      'Glob for the files to find under the folder, e.g. "**/*.test.ts". A glob without "/" matches names at any depth ("*.md" finds every Markdown file). Null to list the folder itself.',
    ),
  ),
  recursive: optional(
    boolean('With no glob: true lists everything below the folder, false (the default) only its direct entries.'),
  ),
};
const schema = object('list_files', shape);
export type ListFilesArgs = ArgsOf<typeof shape>;

export const listFilesTool: Tool<ListFilesArgs> = {
  name: 'list_files',
  readOnly: true,
  definition: {
    type: 'function',
    name: 'list_files',
    description: [
      'List a workspace folder, or find files by glob. Folders end with "/". Paths are relative to the workspace root, sorted.',
      'Files excluded by .gitignore or .warmlineignore, secrets, .git and node_modules are not shown (name a folder inside node_modules to list it).',
      'The listing is capped; narrow it with path or glob when it says entries were left out.',
    ].join(' '),
    strict: true,
    parameters: schema.jsonSchema,
  },
  parse: (raw) => schema.parse(raw),
  describe: (args) => [args.path ?? '.', args.glob].filter(Boolean).join(' '),
  run: listFiles,
};

/** Splits "src/**\/*.ts" into the folder "src" and the glob "**\/*.ts". */
function splitGlobPath(p: string): { base: string; glob: string } {
  const parts = p.split('/');
  const i = parts.findIndex((s) => hasGlobChars(s));
  return { base: parts.slice(0, i).join('/') || '.', glob: parts.slice(i).join('/') };
}

async function listFiles(args: ListFilesArgs, ctx: ToolContext): Promise<ToolResult> {
  const guard = WorkspaceGuard.for(ctx);
  let base = args.path;
  let glob = args.glob;
  if (base !== undefined && hasGlobChars(base)) {
    const split = splitGlobPath(base);
    if (glob)
      throw new ToolError(
        'invalid_arguments',
        `path '${base}' already is a glob; give the folder in path and the pattern in glob.`,
      );
    base = split.base;
    glob = split.glob;
  }
  const roots = guard.roots();
  if (roots.length === 0)
    throw new ToolError('outside_workspace', 'No workspace folder is open, so there are no files to list.');

  // Where to start: the named folder, or every workspace folder.
  const starts: Array<{ root: WorkspaceRoot; rel: string; display: string }> = [];
  if (base === undefined || base.trim() === '' || base.trim() === '.') {
    if (roots.length > 1 && !glob && !args.recursive) {
      const output = `Workspace folders:\n${roots.map((r) => `${r.name}/`).join('\n')}`;
      return { output, summary: `${roots.length} workspace folders` };
    }
    for (const root of roots) starts.push({ root, rel: '', display: roots.length > 1 ? `${root.name}/` : '.' });
  } else {
    const target = await guard.resolve(base, 'list');
    if (!target.stat)
      throw new ToolError(
        'not_found',
        `'${target.display}' does not exist. List its parent folder to see what is there.`,
      );
    if (target.stat.type !== 'directory') {
      return {
        output: `${target.display} is a file (${target.stat.size} bytes); use read_file to read it.`,
        summary: 'a file',
      };
    }
    starts.push({ root: target.root, rel: target.rel, display: target.display });
  }

  const matcher = glob
    ? new Minimatch(glob.replace(/^\.\//, ''), { dot: true, matchBase: !glob.includes('/'), nocomment: true })
    : undefined;
  const recursive = matcher !== undefined || args.recursive === true;
  const limit = ctx.settings.maxListEntries;
  const shown: string[] = [];
  let matched = 0;
  const stats = newWalkStats();
  const deadline = Date.now() + LIMITS.listTimeMs;
  for (const start of starts) {
    for await (const entry of walk(
      guard,
      start.root,
      start.rel,
      {
        signal: ctx.signal,
        deadline,
        maxScanned: LIMITS.maxListScanned,
        includeSymlinks: true,
        maxDepth: recursive ? undefined : 1,
      },
      stats,
    )) {
      if (matcher) {
        const below = start.rel === '' ? entry.rel : entry.rel.slice(start.rel.length + 1);
        if (!matcher.match(below)) continue;
      }
      matched++;
      if (shown.length < limit) shown.push(guard.displayRel(start.root, entry.rel) + (entry.isDir ? '/' : ''));
    }
    if (ctx.signal.aborted) throw new ToolError('cancelled', 'Cancelled.');
  }
  shown.sort();

  const where = starts.map((s) => s.display).join(', ');
  const notes: string[] = [];
  if (matched > shown.length)
    notes.push(
      `[... ${(matched - shown.length).toLocaleString('en-US')} more entries not shown (limit ${limit}); narrow the listing with path or glob]`,
    );
  if (stats.stoppedBy === 'time')
    notes.push(`[listing stopped after ${LIMITS.listTimeMs / 1000} s; there may be more entries]`);
  if (stats.stoppedBy === 'count')
    notes.push(
      `[listing stopped after looking at ${LIMITS.maxListScanned.toLocaleString('en-US')} entries; there may be more]`,
    );
  if (stats.unreadable)
    notes.push(`[${stats.unreadable} folder${stats.unreadable === 1 ? '' : 's'} could not be read]`);
  const what = glob ? `matching '${glob}' under ${where}` : `in ${where}${recursive ? ' (recursive)' : ''}`;
  const header =
    matched === 0
      ? `No entries ${what}.`
      : `${matched.toLocaleString('en-US')} entr${matched === 1 ? 'y' : 'ies'} ${what}:`;
  const output = boundOutput([header, ...shown, ...notes].join('\n'), ctx.settings.maxOutputBytes, {
    hint: 'narrow the listing with path or glob',
  });
  return {
    output,
    summary: `${matched} entr${matched === 1 ? 'y' : 'ies'}${matched > shown.length ? ` (${shown.length} shown)` : ''}`,
  };
}
