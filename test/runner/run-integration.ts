// Runs the extension's integration suite (test/integration, built to out/test/integration) inside a
// real VS Code, offline: code-server's Node extension host runs the suite, Debian's Chromium runs
// the workbench. Exits with the suite's exit code.
//
//   node test/runner/run-integration.ts                     build, then run the suite on a copy of
//                                                           test/fixtures/workspace (via .ci/dev)
//   node test/runner/run-integration.ts --grep=activation   only tests whose title matches
//   node test/runner/run-integration.ts --suite=virtual     the suite in test/integration/virtual/, in a
//                                                           multi-root workspace: the fixture folder and
//                                                           warmtest:/virtual (a test-registered provider)
//
// It also takes the VS Code executable's own flags, so it can stand in for VS Code (see
// test/runner/code-server-as-vscode and test/integration/run-electron.ts):
//   node test/runner/run-integration.ts --extensionDevelopmentPath=DIR --extensionTestsPath=FILE [FOLDER]
// Then nothing is built: the caller has built. Other VS Code flags (--no-sandbox, --user-data-dir=…)
// are accepted and ignored: every run gets a fresh user-data and extensions folder.
//
// Options (flag or environment):
//   --timeout=MS     WARMLINE_TEST_TIMEOUT_MS   whole run; default 300000
//   --grep=PATTERN   WARMLINE_TEST_GREP         mocha grep, read by test/integration/index.ts
//   --verbose        WARMLINE_TEST_VERBOSE=1    every workbench console line, noise included
//   --no-build                                  skip `node esbuild.js` in the default mode
// The environment is passed on to code-server and so to the extension host (tests read
// WARMLINE_TEST_* variables from process.env). Logs of the last run: .test-artifacts/integration/.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  artifactsDir,
  ensureTools,
  launchBrowser,
  relayConsole,
  removeTempWorkspace,
  repoRoot,
  shortPath,
  startCodeServer,
  tempFixtureWorkspace,
} from './code-server.ts';
import type { Browser, CodeServer } from './code-server.ts';

interface Args {
  developmentPaths: string[];
  testsPath: string | undefined;
  folder: string | undefined;
  timeoutMs: number;
  build: boolean;
  verbose: boolean;
  suite: 'main' | 'virtual';
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    developmentPaths: [],
    testsPath: undefined,
    folder: undefined,
    build: true,
    timeoutMs: Number(process.env.WARMLINE_TEST_TIMEOUT_MS ?? 300_000),
    verbose: !!process.env.WARMLINE_TEST_VERBOSE,
    suite: process.env.WARMLINE_TEST_SUITE === 'virtual' ? 'virtual' : 'main',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) {
      args.folder = path.resolve(a);
      continue;
    }
    const [, name, inline] = m;
    // VS Code also takes `--extensionDevelopmentPath DIR` (value as the next argument).
    const value = (): string => inline ?? argv[++i] ?? '';
    switch (name) {
      case 'extensionDevelopmentPath':
        args.developmentPaths.push(path.resolve(value()));
        break;
      case 'extensionTestsPath':
        args.testsPath = path.resolve(value());
        break;
      case 'timeout':
        args.timeoutMs = Number(value());
        break;
      case 'grep':
        process.env.WARMLINE_TEST_GREP = value();
        break;
      case 'verbose':
        args.verbose = true;
        break;
      case 'no-build':
        args.build = false;
        break;
      case 'suite':
        args.suite = value() === 'virtual' ? 'virtual' : 'main';
        break;
      default:
        break; // an Electron or VS Code flag that means nothing here
    }
  }
  return args;
}

/**
 * code-server's server loads only one extensionDevelopmentPath (the last): the first is loaded
 * as the one under development, and any further ones are installed as extensions instead
 * (copied into a folder named publisher.name-version, as startCodeServer expects).
 */
function stageAsInstalled(dirs: string[], parent: string): string[] {
  return dirs.map((dir) => {
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      publisher: string;
      name: string;
      version: string;
    };
    const dest = path.join(parent, `${m.publisher}.${m.name}-${m.version}`);
    fs.cpSync(dir, dest, { recursive: true });
    return dest;
  });
}

const elapsed = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** `vscode-remote://` URIs make the workbench load these paths in the Node extension host. */
function remoteUri(server: CodeServer, p: string): string {
  return `vscode-remote://127.0.0.1:${server.port}${p.split(path.sep).map(encodeURIComponent).join('/')}`;
}

async function main(): Promise<number> {
  const started = Date.now();
  const args = parseArgs(process.argv.slice(2));
  const standalone = args.testsPath === undefined;
  ensureTools();
  if (standalone) {
    if (args.build) {
      const t = Date.now();
      const r = spawnSync(process.execPath, ['esbuild.js'], { cwd: repoRoot, stdio: 'inherit' });
      if (r.status !== 0) {
        console.error('[integration] build failed');
        return 1;
      }
      console.log(`[integration] built in ${elapsed(t)}`);
    }
    // Beside Warmline: a task provider that takes minutes to answer (run_task must not wait on it).
    args.developmentPaths = [repoRoot, path.join(repoRoot, 'test/fixtures/slow-task-provider')];
    args.testsPath = path.join(repoRoot, 'out/test/integration/index.js');
    // Proves to the suite that this process's environment reaches the extension host.
    process.env.WARMLINE_TEST_ENV_PROBE ??= 'passed-through';
  }
  if (!args.developmentPaths.length) {
    console.error('need --extensionDevelopmentPath=DIR');
    return 2;
  }
  const testsPath = args.testsPath ?? '';
  if (!fs.existsSync(testsPath)) {
    console.error(`[integration] ${testsPath} not found: build first`);
    return 2;
  }

  const scratch = path.join(artifactsDir, 'integration');
  const workspace = !args.folder && standalone ? tempFixtureWorkspace() : undefined;
  const folder = args.folder ?? workspace;
  process.env.WARMLINE_TEST_SUITE = args.suite;
  // The virtual suite: a workspace file naming the fixture folder and a folder of a scheme the
  // suite's own FileSystemProvider serves (a test cannot add one: VS Code refuses under test).
  const workspaceFile = args.suite === 'virtual' && folder ? `${folder}.code-workspace` : undefined;
  if (workspaceFile) {
    fs.writeFileSync(
      workspaceFile,
      JSON.stringify({ folders: [{ path: folder }, { uri: 'warmtest:/virtual', name: 'virtual' }] }, null, 2),
    );
  }

  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let staged: string | undefined;
  let summary: string | undefined;
  try {
    const [, ...moreDevelopmentPaths] = args.developmentPaths;
    staged = moreDevelopmentPaths.length
      ? fs.mkdtempSync(path.join(os.tmpdir(), 'warmline-dev-extensions-'))
      : undefined;
    server = await startCodeServer({
      scratch,
      smokeTestDriver: true,
      extensions: staged ? stageAsInstalled(moreDevelopmentPaths, staged) : [],
    });
    browser = await launchBrowser(scratch);
    const { page } = browser;
    const flush = relayConsole(page, {
      verbose: args.verbose,
      write: (line) => {
        // The suite's closing line `integration: N passed, N failed` is kept for the very end.
        if (/^\s*(\w+: )?\d+ passed, \d+ failed/.test(line)) summary = line.trim();
        else console.log(line);
      },
    });

    let onExit: (code: number) => void = () => {};
    const exited = new Promise<number>((resolve) => {
      onExit = resolve;
    });
    // The workbench calls this when the suite's run() settles: 0 if it resolved, 1 if it threw.
    await page.exposeFunction('codeAutomationExit', (code: number) => {
      onExit(code);
    });
    const crashed = new Promise<number>((resolve) => {
      page.on('crash', () => {
        console.error('[integration] the workbench page crashed');
        resolve(1);
      });
      browser?.context.on('close', () => resolve(1));
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<number>((resolve) => {
      timer = setTimeout(() => {
        console.error(`[integration] timed out after ${args.timeoutMs} ms`);
        resolve(124);
      }, args.timeoutMs);
    });

    const payload = [
      ...args.developmentPaths.slice(0, 1).map((p) => ['extensionDevelopmentPath', remoteUri(server as CodeServer, p)]),
      ['extensionTestsPath', remoteUri(server, testsPath)],
    ];
    await page.goto(
      workspaceFile
        ? server.url(undefined, { workspace: workspaceFile, payload: JSON.stringify(payload) })
        : server.url(folder, { payload: JSON.stringify(payload) }),
    );
    const code = await Promise.race([exited, crashed, timedOut]);
    clearTimeout(timer);
    await flush();
    console.log(`[integration] exit code ${code} after ${elapsed(started)} (logs: ${shortPath(scratch)})`);
    if (summary) console.log(summary);
    return code;
  } finally {
    await browser?.close();
    await server?.stop();
    if (workspace) removeTempWorkspace(workspace);
    if (workspaceFile) fs.rmSync(workspaceFile, { force: true });
    if (staged) fs.rmSync(staged, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('[integration]', err);
    process.exit(1);
  },
);
