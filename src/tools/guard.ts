// The workspace guard: every tool goes through it to turn a path from the model into a file it
// may touch. It keeps paths inside the workspace folders (no `..`, no absolute paths elsewhere,
// no symlinks leading out), hides ignored files (.gitignore, nested, and .warmlineignore), never
// lets a secret through, and refuses edits and tasks in an untrusted workspace.
//
// Decisions (documented for the model in the tool descriptions):
// - `.git/` is never listed, searched, read or edited.
// - `node_modules/` is skipped when listing or searching a folder above it, but a path inside it
//   may be named explicitly: read_file, list_files and grep then work there even when
//   .gitignore lists node_modules (so the model can read a library's types). .warmlineignore
//   and the secret patterns still apply, and edits there follow the normal ignore rules.
// - .gitignore files apply in every folder (git semantics, without needing a git repository);
//   .warmlineignore is read at the root of each workspace folder and decides what .gitignore
//   leaves undecided (as ripgrep's --ignore-file does, so every search path agrees).
// - Secret patterns match at any depth and win over everything.
//
// Files are reached through the host's file system (host.fs) by URI: ignore files are loaded
// asynchronously before the checks that need them (`prepare`, and a walk's `noteFolder`), and
// the checks themselves are synchronous over that cache.
import path from 'node:path';
import { lastMatch, parseIgnoreFile } from './ignore-rules.ts';
import type { IgnoreRule } from './ignore-rules.ts';
import { ToolError } from './types.ts';
import type { ToolContext, ToolSettings, WorkspaceHost } from './types.ts';
import { basenameUri, isUri, joinUri, relativeUri, showUri, toUri } from './uri.ts';
import { readText } from './workspace-fs.ts';
import type { FileStat } from './workspace-fs.ts';

export { boundOutput, DEFAULT_CUT_HINT } from './output.ts';

/**
 * Files never read, listed, searched, sent or edited, even by name. gitignore syntax, matched
 * at any depth; `!` lines are exceptions. settings.secretPatterns add to this list.
 */
export const DEFAULT_SECRET_PATTERNS: readonly string[] = [
  '.env',
  '.env.*',
  '!.env.example',
  '!.env.sample',
  '*.pem',
  '*.key',
  'id_rsa*',
  'id_ed25519*',
  '*.p12',
  '*.pfx',
  '.npmrc',
  '.netrc',
  '.pypirc',
  'credentials*.json',
  '.aws/credentials',
  'secrets.*',
];

/** Folder names a listing or search does not descend into (a path inside them may be named). */
export const SKIPPED_DIR_NAMES: readonly string[] = ['.git', 'node_modules'];
export const WARMLINE_IGNORE_FILE = '.warmlineignore';

export interface WorkspaceRoot {
  /** The folder's URI as the host gave it (normalised). */
  readonly uri: string;
  /** The same folder with symlinks resolved (where the scheme has them). */
  readonly real: string;
  /** Folder name, usable as the first segment of a path in a multi-root workspace. */
  readonly name: string;
  /** Its local path, when the tools may use local means there (ripgrep, processes); else undefined. */
  readonly localPath: string | undefined;
}

export type Access = 'read' | 'list' | 'search' | 'write';

export interface ResolvedPath {
  readonly input: string;
  readonly uri: string;
  readonly root: WorkspaceRoot;
  /** Posix path relative to the root ('' for the root itself). */
  readonly rel: string;
  /** What the model sees: relative to the root (prefixed by the folder name in multi-root). */
  readonly display: string;
  /** Undefined when nothing exists there yet. */
  readonly stat: FileStat | undefined;
}

export type HiddenReason = { kind: 'skipped' } | { kind: 'secret' | 'ignored'; rule: IgnoreRule };

const isInside = (parent: string, child: string): boolean => relativeUri(parent, child) !== undefined;
const GLOB_CHARS = /[*?[\]{}]/;
/** A relative path that path.join would change: an empty, '.' or '..' segment (or a separator it would turn into '/'). */
const NOT_PLAIN_REL = process.platform === 'win32' ? /(^|\/)\.{0,2}(\/|$)|[\\:]/ : /(^|\/)\.{0,2}(\/|$)/;

export class WorkspaceGuard {
  readonly host: WorkspaceHost;
  readonly settings: ToolSettings;
  private rootList: WorkspaceRoot[] | undefined;
  private rootsReady: Promise<WorkspaceRoot[]> | undefined;
  private readonly secretRules: IgnoreRule[];
  /** Per root path, per folder: the rules of that folder's .gitignore. */
  private readonly gitignores = new Map<string, Map<string, IgnoreRule[]>>();
  private readonly ignoreChains = new Map<
    string,
    Map<string | undefined, ReadonlyArray<{ from: number; rules: IgnoreRule[] }>>
  >();
  private readonly warmlineignores = new Map<string, IgnoreRule[]>();

  constructor(host: WorkspaceHost, settings: ToolSettings) {
    this.host = host;
    this.settings = settings;
    this.secretRules = parseIgnoreFile(
      [...DEFAULT_SECRET_PATTERNS, ...(settings.secretPatterns ?? [])].join('\n'),
      'the secret patterns',
      { anyDepth: true },
    );
  }

  /** A guard for one tool call: ignore files are read fresh per call and cached within it. */
  static for(ctx: Pick<ToolContext, 'host' | 'settings'>): WorkspaceGuard {
    return new WorkspaceGuard(ctx.host, ctx.settings);
  }

  /**
   * The workspace folders, with their real locations: `loadRoots()` first (every tool call does,
   * through resolve or directly); before it, real = the URI as given.
   */
  roots(): WorkspaceRoot[] {
    this.rootList ??= this.host.roots().map((given) => {
      const uri = toUri(given);
      return { uri, real: uri, name: basenameUri(uri) || uri, localPath: this.host.fs.localPath(uri) };
    });
    return this.rootList;
  }

  /** Resolves the roots' real locations (symbolic links) once per guard. */
  loadRoots(): Promise<WorkspaceRoot[]> {
    this.rootsReady ??= (async () => {
      const resolved = await Promise.all(
        this.roots().map(async (r) => {
          let real = r.uri;
          try {
            real = (await this.host.fs.realpath?.(r.uri)) ?? r.uri;
          } catch {
            /* a missing root stays as given */
          }
          return { ...r, real };
        }),
      );
      this.rootList = resolved;
      return resolved;
    })();
    return this.rootsReady;
  }

  rootOf(uri: string): WorkspaceRoot | undefined {
    return this.roots().find((r) => isInside(r.uri, uri)) ?? this.roots().find((r) => isInside(r.real, uri));
  }

  /** The path the model sees for a location (URI) inside the workspace. */
  display(uri: string): string {
    const root = this.rootOf(uri);
    if (!root) return showUri(uri);
    const rel = relativeUri(isInside(root.uri, uri) ? root.uri : root.real, uri)!;
    if (this.roots().length > 1) return rel ? `${root.name}/${rel}` : `${root.name}/`;
    return rel || '.';
  }

  /** The URI of a root-relative path. */
  uriOf(root: WorkspaceRoot, rel: string): string {
    if (rel === '') return root.uri;
    // A plain relative path (as walks and searches give): appended without re-reading the root.
    if (NOT_PLAIN_REL.test(rel) || rel.includes('\\')) return joinUri(root.uri, rel);
    return `${root.uri.endsWith('/') ? root.uri : `${root.uri}/`}${rel.split('/').map(encodeURIComponent).join('/')}`;
  }

  /** The local path of a root-relative path in a local folder; undefined in a virtual one. */
  localPathOf(root: WorkspaceRoot, rel: string): string | undefined {
    return root.localPath === undefined
      ? undefined
      : rel === ''
        ? root.localPath
        : path.join(root.localPath, ...rel.split('/'));
  }

  /**
   * `display` of a root-relative path found by a walk or a search. In a single-root workspace
   * that is the path itself, computed without path arithmetic (grep names thousands of files).
   */
  displayRel(root: WorkspaceRoot, rel: string): string {
    const roots = this.roots();
    if (roots.length === 1 && roots[0] === root && rel !== '' && !NOT_PLAIN_REL.test(rel)) return rel;
    return this.display(joinUri(root.uri, rel));
  }

  /** Refuses when the workspace is not trusted (edits, tasks). */
  requireTrusted(action: string): void {
    if (!this.host.isTrusted()) {
      throw new ToolError(
        'untrusted',
        `This workspace is not trusted, so ${action} is disabled. Reading and searching still work; the user can trust the workspace to allow it.`,
      );
    }
  }

  /**
   * Turns a path from the model into a checked workspace path. Relative paths resolve against
   * the first workspace folder, or the folder named by their first segment. Throws a ToolError
   * ('outside_workspace', 'secret', 'ignored', 'invalid_arguments') with a clear sentence.
   */
  async resolve(input: string, access: Access): Promise<ResolvedPath> {
    const roots = await this.loadRoots();
    if (roots.length === 0)
      throw new ToolError(
        'outside_workspace',
        'No workspace folder is open, so there are no files to work with. Ask the user to open a folder.',
      );
    const given = input.trim();
    if (given === '')
      throw new ToolError(
        'invalid_arguments',
        'The path is empty. Give a path relative to the workspace root, such as src/index.ts (or "." for the root).',
      );
    if (given.includes('\0')) throw new ToolError('invalid_arguments', 'The path contains a NUL character.');
    const cleaned = process.platform === 'win32' ? given.replace(/\\/g, '/') : given;

    let root: WorkspaceRoot | undefined;
    let uri: string;
    if (isUri(cleaned) || path.isAbsolute(cleaned)) {
      try {
        uri = toUri(cleaned);
      } catch {
        throw this.outside(given);
      }
      root = this.rootOf(uri);
      if (!root) throw this.outside(given);
    } else {
      const segments = cleaned.split('/').filter((s) => s !== '' && s !== '.');
      const named = roots.find((r) => r.name === segments[0]);
      root = roots[0]!;
      let rest = segments;
      if (named && (roots.length > 1 || !(await this.host.fs.stat(joinUri(roots[0]!.uri, segments[0]!))))) {
        root = named;
        rest = segments.slice(1);
      }
      // '..' may not climb out of the root (joinUri would stop at the scheme's top).
      let depth = 0;
      for (const s of rest) {
        depth += s === '..' ? -1 : 1;
        if (depth < 0) throw this.outside(given);
      }
      uri = joinUri(root.uri, ...rest);
      if (!isInside(root.uri, uri)) throw this.outside(given);
    }
    const base = isInside(root.uri, uri) ? root.uri : root.real;
    const rel = relativeUri(base, uri)!;

    // Symlinks: the real location must be inside a workspace folder too.
    const real = this.host.fs.realpath ? await this.host.fs.realpath(uri) : uri;
    const realRoot = roots.find((r) => isInside(r.real, real)) ?? roots.find((r) => isInside(r.uri, real));
    if (!realRoot)
      throw new ToolError(
        'outside_workspace',
        `'${given}' is a symbolic link (or inside one) that leads outside the workspace (to ${showUri(real)}); links out of the workspace are not followed.`,
      );

    let stat: FileStat | undefined;
    try {
      stat = await this.host.fs.stat(uri);
    } catch {
      stat = undefined;
    }
    const isDir = stat?.type === 'directory';
    const resolved: ResolvedPath = { input: given, uri, root, rel, display: this.display(uri), stat };

    this.refuseHidden(resolved, rel, isDir);
    const realRel = relativeUri(realRoot.real, real) ?? relativeUri(realRoot.uri, real)!;
    if (realRel !== rel) this.refuseHidden(resolved, realRel, isDir);

    const segments = rel.split('/');
    const underNodeModules = segments.includes('node_modules') && access !== 'write';
    if (rel !== '') await this.prepare(root, segments.slice(0, -1).join('/'));
    if (!underNodeModules && rel !== '') {
      const hit = this.ignoredWithAncestors(root, rel, stat ? isDir : access === 'list');
      if (hit) throw ignoredError(resolved.display, hit);
    } else if (rel !== '') {
      const hit = this.warmlineOnly(root, rel, isDir);
      if (hit) throw ignoredError(resolved.display, hit);
    }
    return resolved;
  }

  /**
   * Loads the ignore files that decide what is hidden in a folder (root-relative, '' = the
   * root): its .warmlineignore and the .gitignore files of the folder and those above it.
   * Checks on that folder's entries (hiddenEntry, hiddenBelow) need this first.
   */
  async prepare(root: WorkspaceRoot, dirRel: string): Promise<void> {
    await this.loadWarmlineRules(root);
    const segments = dirRel === '' ? [] : dirRel.split('/');
    for (let i = 0; i <= segments.length; i++) {
      const folder = segments.slice(0, i).join('/');
      if (!this.gitignoreCache(root).has(folder)) await this.loadGitignore(root, folder);
    }
  }

  /**
   * What a walk learnt by listing a folder: a folder without a .gitignore needs no read. The
   * folders above it must have been prepared (a walk goes down from a prepared start).
   */
  async noteFolder(root: WorkspaceRoot, dirRel: string, hasGitignore: boolean): Promise<void> {
    const cache = this.gitignoreCache(root);
    if (cache.has(dirRel)) return;
    if (hasGitignore) await this.loadGitignore(root, dirRel);
    else cache.set(dirRel, []);
  }

  private gitignoreCache(root: WorkspaceRoot): Map<string, IgnoreRule[]> {
    let byDir = this.gitignores.get(root.uri);
    if (!byDir) this.gitignores.set(root.uri, (byDir = new Map()));
    return byDir;
  }

  private async loadGitignore(root: WorkspaceRoot, dirRel: string): Promise<void> {
    const file = joinUri(root.uri, dirRel, '.gitignore');
    const rules = await this.readRules(file);
    this.gitignoreCache(root).set(dirRel, rules);
  }

  private async loadWarmlineRules(root: WorkspaceRoot): Promise<void> {
    if (this.warmlineignores.has(root.uri)) return;
    const rules = await this.readRules(joinUri(root.uri, WARMLINE_IGNORE_FILE));
    this.warmlineignores.set(root.uri, rules);
  }

  /** An ignore file's rules (most folders have none: then []). */
  private async readRules(file: string): Promise<IgnoreRule[]> {
    const text = await readText(this.host.fs, file);
    return text === undefined ? [] : parseIgnoreFile(text, this.display(file));
  }

  /** Secret and .git checks on a path and its ancestors (throws). */
  private refuseHidden(resolved: ResolvedPath, rel: string, isDir: boolean): void {
    if (rel === '') return;
    const segments = rel.split('/');
    if (segments.includes('.git'))
      throw new ToolError(
        'ignored',
        `'${resolved.display}' is inside .git, which the tools never read, list, search or change.`,
      );
    const secret = this.secretRule(rel, isDir);
    if (secret) throw secretError(resolved.display, secret);
  }

  /** The secret rule hiding `rel` or one of its folders, if any. */
  secretRule(rel: string, isDir: boolean): IgnoreRule | undefined {
    const segments = rel.split('/');
    for (let i = 1; i <= segments.length; i++) {
      const prefix = segments.slice(0, i).join('/');
      const rule = lastMatch(this.secretRules, prefix, i < segments.length || isDir);
      if (rule && !rule.negate) return rule;
    }
    return undefined;
  }

  /** True when `rel` (root-relative) is a secret; for filtering results. */
  isSecret(rel: string, isDir = false): boolean {
    return this.secretRule(rel, isDir) !== undefined;
  }

  /**
   * Why a walked entry is hidden, looking at its own path only (a walk has already checked the
   * folders above it): skipped folder names, secrets, .gitignore and .warmlineignore.
   */
  hiddenEntry(root: WorkspaceRoot, rel: string, isDir: boolean): HiddenReason | undefined {
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    if (SKIPPED_DIR_NAMES.includes(name)) return { kind: 'skipped' };
    const secret = lastMatch(this.secretRules, rel, isDir);
    if (secret && !secret.negate) return { kind: 'secret', rule: secret };
    const rule = this.ignoreDecision(root, rel, isDir);
    if (rule && !rule.negate) return { kind: 'ignored', rule };
    return undefined;
  }

  /**
   * Whether a file found under `startRel` by a search is hidden: every path segment below the
   * start is checked as a walk would (results from ripgrep pass through this too).
   */
  hiddenBelow(root: WorkspaceRoot, startRel: string, rel: string, memo: Map<string, boolean>): boolean {
    const segments = rel.split('/');
    const startDepth = startRel === '' ? 0 : startRel.split('/').length;
    for (let i = startDepth + 1; i <= segments.length; i++) {
      const prefix = segments.slice(0, i).join('/');
      const isDir = i < segments.length;
      const key = `${root.uri}\0${prefix}\0${isDir}`;
      let hidden = memo.get(key);
      if (hidden === undefined) {
        hidden = this.hiddenEntry(root, prefix, isDir) !== undefined;
        memo.set(key, hidden);
      }
      if (hidden) return true;
    }
    return false;
  }

  private ignoredWithAncestors(root: WorkspaceRoot, rel: string, isDir: boolean): IgnoreRule | undefined {
    const segments = rel.split('/');
    for (let i = 1; i <= segments.length; i++) {
      const rule = this.ignoreDecision(root, segments.slice(0, i).join('/'), i < segments.length || isDir);
      if (rule && !rule.negate) return rule;
    }
    return undefined;
  }

  private warmlineOnly(root: WorkspaceRoot, rel: string, isDir: boolean): IgnoreRule | undefined {
    const rules = this.warmlineRules(root);
    const segments = rel.split('/');
    for (let i = 1; i <= segments.length; i++) {
      const rule = lastMatch(rules, segments.slice(0, i).join('/'), i < segments.length || isDir);
      if (rule && !rule.negate) return rule;
    }
    return undefined;
  }

  /** The deciding ignore rule for `rel` itself: .gitignore files from the root down, then .warmlineignore. */
  private ignoreDecision(root: WorkspaceRoot, rel: string, isDir: boolean): IgnoreRule | undefined {
    // Each folder from the root down to rel's own, that has a .gitignore, matches the rest of the path below it.
    const slash = rel.lastIndexOf('/');
    let decided: IgnoreRule | undefined;
    for (const { from, rules } of this.ignoreChain(root, slash === -1 ? undefined : rel.slice(0, slash))) {
      const match = lastMatch(rules, rel.slice(from), isDir);
      if (match) decided = match;
    }
    return decided ?? lastMatch(this.warmlineRules(root), rel, isDir);
  }

  /**
   * The .gitignore files that apply in a folder (undefined: the root; '' is a folder with an
   * empty name, as in "/a"): its own and those of the folders above it, root first, each with
   * where the path below it starts. Cached per folder: a search checks thousands of files in a
   * few hundred folders.
   */
  private ignoreChain(
    root: WorkspaceRoot,
    dirRel: string | undefined,
  ): ReadonlyArray<{ from: number; rules: IgnoreRule[] }> {
    let byDir = this.ignoreChains.get(root.uri);
    if (!byDir) this.ignoreChains.set(root.uri, (byDir = new Map()));
    let chain = byDir.get(dirRel);
    if (!chain) {
      const slash = dirRel === undefined ? -1 : dirRel.lastIndexOf('/');
      const above =
        dirRel === undefined ? [] : this.ignoreChain(root, slash === -1 ? undefined : dirRel.slice(0, slash));
      const rules = this.gitignoreRules(root, dirRel ?? '');
      chain = rules.length > 0 ? [...above, { from: dirRel === undefined ? 0 : dirRel.length + 1, rules }] : above;
      byDir.set(dirRel, chain);
    }
    return chain;
  }

  /** A folder's .gitignore rules, loaded before (prepare, noteFolder): a check on an unprepared folder is a bug, refused loudly. */
  private gitignoreRules(root: WorkspaceRoot, dirRel: string): IgnoreRule[] {
    const cache = this.gitignoreCache(root);
    let rules = cache.get(dirRel);
    if (!rules && root.localPath !== undefined && this.host.fs.readIgnoreFileSync) {
      // A local folder met in ripgrep's streamed results: read at once (see readIgnoreFileSync).
      const file = joinUri(root.uri, dirRel, '.gitignore');
      const bytes = this.host.fs.readIgnoreFileSync(file);
      rules = bytes ? parseIgnoreFile(new TextDecoder().decode(bytes), this.display(file)) : [];
      cache.set(dirRel, rules);
    }
    if (!rules)
      throw new Error(`the ignore rules of '${dirRel || '.'}' in ${root.name} were not loaded before a check`);
    return rules;
  }

  /** Whether the root has .warmlineignore rules (ripgrep is then given the file); after prepare. */
  hasWarmlineRules(root: WorkspaceRoot): boolean {
    return this.warmlineRules(root).length > 0;
  }

  private warmlineRules(root: WorkspaceRoot): IgnoreRule[] {
    const rules = this.warmlineignores.get(root.uri);
    if (!rules) throw new Error(`the ${WARMLINE_IGNORE_FILE} of ${root.name} was not loaded before a check`);
    return rules;
  }

  /** Secret patterns for ripgrep's `--glob !…`: those no exception (`!` line) could overlap. */
  ripgrepSecretGlobs(): string[] {
    const exceptions = this.secretRules.filter((r) => r.negate).map((r) => r.text.replace(/^!/, ''));
    return this.secretRules
      .filter((r) => !r.negate && !exceptions.some((e) => r.matcher.match(e) || r.matcher.match(`x/${e}`)))
      .map((r) => `!${r.matcher.pattern}${r.dirOnly ? '/' : ''}`);
  }

  private outside(given: string): ToolError {
    const names = this.roots()
      .map((r) => r.name)
      .join(', ');
    return new ToolError(
      'outside_workspace',
      `'${given}' is outside the workspace. Paths must stay inside the workspace folder${this.roots().length > 1 ? 's' : ''} (${names}); use a path relative to the workspace root.`,
    );
  }
}

export function secretError(display: string, rule: IgnoreRule): ToolError {
  return new ToolError(
    'secret',
    `'${display}' looks like a secret (it matches '${rule.text}' in ${rule.source}). Warmline never reads, lists, searches, sends or edits such files; ask the user if you need something from it.`,
  );
}

export function ignoredError(display: string, rule: IgnoreRule): ToolError {
  return new ToolError(
    'ignored',
    `'${display}' is excluded by ${rule.source} (rule '${rule.text}'), and ignored files are not read, listed, searched or edited. Ask the user if you really need it.`,
  );
}

/** Whether a path argument is a glob rather than a plain path. */
export function hasGlobChars(p: string): boolean {
  return GLOB_CHARS.test(p);
}
