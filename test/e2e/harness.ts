// Drives a real VS Code as a person would: code-server with the built extension installed (as
// the folder `warmline.warmline-<version>`, the way a .vsix installs it), a copy of the fixture
// workspace open, headless Chromium through playwright-core. No smoke-test driver: toasts and
// dialogs show, as they do for a user. Assert on what is visible.
//
//   import { openWorkbench } from './harness.ts';
//   const wb = await openWorkbench();             // workbench loaded, fixture folder open
//   await wb.runCommand('Warmline: Show Log');    // F1, type, Enter
//   await wb.screenshot('after-show-log');        // .test-artifacts/screenshots/after-show-log.png
//   await wb.close();
//
// Run all cases with `node test/e2e/run-e2e.ts`. A case file alone:
// `node --test test/e2e/workbench.e2e.ts` (it builds and installs tools itself then).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { after, afterEach, before } from 'node:test';
import { startEmulator } from '../emulator/server.ts';
import type { Emulator, EmulatorOptions, Scenario } from '../emulator/server.ts';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import {
  artifactsDir,
  ensureTools,
  launchBrowser,
  relayConsole,
  removeTempWorkspace,
  repoRoot,
  stageExtension,
  startCodeServer,
  tempFixtureWorkspace,
} from '../runner/code-server.ts';
import type { Browser, CodeServer } from '../runner/code-server.ts';

export const screenshotsDir: string = path.join(artifactsDir, 'screenshots');

/**
 * Installs the tools and builds the extension, once: run-e2e.ts does it before starting the
 * cases and sets WARMLINE_E2E_PREPARED=1 so each case process skips it.
 */
export function prepare(): void {
  if (process.env.WARMLINE_E2E_PREPARED) return;
  ensureTools();
  const r = spawnSync(process.execPath, ['esbuild.js'], { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed (node esbuild.js)');
  process.env.WARMLINE_E2E_PREPARED = '1';
}

export interface WorkbenchOptions {
  /** Names the scratch folder .test-artifacts/e2e/<name>; default the case file's name. */
  name?: string;
  /** Extra user settings, e.g. { 'warmline.baseUrl': emulator.url }. */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server and so the extension host. */
  env?: NodeJS.ProcessEnv;
  /** Workspace trust on (default off: every folder trusted). */
  workspaceTrust?: boolean;
  /** Install the extension (default true). */
  installExtension?: boolean;
  /** Files written into the workspace copy before it opens (path relative to it -> text). */
  files?: Record<string, string>;
  /**
   * The extension folder to install (package.json, dist/, media/); default
   * $WARMLINE_E2E_EXTENSION_ROOT, else this repository.
   */
  extensionRoot?: string;
}

export interface Workbench {
  page: Page;
  server: CodeServer;
  /** The opened folder: a fresh copy of test/fixtures/workspace. */
  workspace: string;
  /**
   * Opens the command palette (F1), types `text` and runs the row that matches it; throws if
   * VS Code then reports that the command failed (e.g. "command 'x' not found").
   */
  runCommand(text: string): Promise<void>;
  /** Opens the command palette filtered by `text`; returns the rows' locator. */
  paletteRows(text: string): Promise<Locator>;
  /** Opens the command palette on `text` until that command is the focused row; returns it. */
  findInPalette(text: string): Promise<Locator>;
  /** Closes the command palette (or any quick pick) if open. */
  closeQuickInput(): Promise<void>;
  /** The content of the active webview (two iframes deep). */
  webviewFrame(): FrameLocator;
  /** Saves a PNG of the whole window into .test-artifacts/screenshots/<name>.png; returns the path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Waits until the workbench is laid out and the extension host is up. */
export async function waitForWorkbench(page: Page, timeoutMs = 90_000): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
  await page.locator('.part.activitybar').waitFor({ state: 'visible', timeout: timeoutMs });
  await page.locator('.part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
}

const quickInput = (page: Page): Locator => page.locator('.quick-input-widget');

/** Closes the command palette (or any quick pick) if it is open. */
export async function closeQuickInput(page: Page): Promise<void> {
  const widget = quickInput(page);
  if (await widget.isVisible()) await page.keyboard.press('Escape');
  await widget.waitFor({ state: 'hidden' });
}

async function openPalette(page: Page, text: string): Promise<Locator> {
  const widget = quickInput(page);
  await closeQuickInput(page); // start from a fresh palette, not one that is closing
  await page.keyboard.press('F1');
  await widget.waitFor({ state: 'visible' });
  const input = widget.locator('input');
  await input.fill(`>${text}`);
  return widget.locator('.quick-input-list .monaco-list-row');
}

/**
 * Opens the palette on `text` until the focused row (the one Enter runs) is that command. The
 * palette lists the commands known when it opens: an extension's commands appear only once the
 * extension host has registered them, so it retypes until then (or `timeoutMs`).
 */
async function findInPalette(page: Page, text: string, timeoutMs = 30_000): Promise<Locator> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await openPalette(page, text);
    const row = rows.and(page.locator('.focused')).filter({ hasText: text }).first();
    const left = deadline - Date.now();
    if (
      await row.waitFor({ state: 'visible', timeout: Math.max(1, Math.min(3000, left)) }).then(
        () => true,
        () => false,
      )
    )
      return row;
    if (left <= 3000) throw new Error(`the command palette did not offer "${text}" within ${timeoutMs} ms`);
  }
}

export async function openWorkbench(opts: WorkbenchOptions = {}): Promise<Workbench> {
  prepare();
  opts = { ...opts, extensionRoot: opts.extensionRoot ?? process.env.WARMLINE_E2E_EXTENSION_ROOT ?? repoRoot };
  const name =
    opts.name ??
    path
      .basename(process.argv[1] ?? 'e2e')
      .replace(/\.e2e\.ts$/, '')
      .replace(/\.\w+$/, '');
  const scratch = path.join(artifactsDir, 'e2e', name);
  const workspace = tempFixtureWorkspace();
  for (const [rel, text] of Object.entries(opts.files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(workspace, rel)), { recursive: true });
    fs.writeFileSync(path.join(workspace, rel), text);
  }
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close();
    await server?.stop();
    removeTempWorkspace(workspace);
  };
  try {
    const staged =
      opts.installExtension === false
        ? []
        : [stageExtension(fs.mkdtempSync(path.join(os.tmpdir(), 'warmline-ext-')), opts.extensionRoot)];
    server = await startCodeServer({
      scratch,
      extensions: staged,
      ...(opts.settings ? { settings: opts.settings } : {}),
      ...(opts.env ? { env: opts.env } : {}),
      ...(opts.workspaceTrust !== undefined ? { workspaceTrust: opts.workspaceTrust } : {}),
    });
    for (const dir of staged) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    browser = await launchBrowser(scratch);
    const { page } = browser;
    // The workbench's console (and the extension host's errors) go to a file, not the test output.
    const consoleLog = fs.createWriteStream(path.join(scratch, 'console.log'));
    relayConsole(page, { verbose: true, write: (line) => consoleLog.write(`${line}\n`) });
    page.setDefaultTimeout(30_000);
    const started = Date.now();
    await page.goto(server.url(workspace));
    await waitForWorkbench(page);
    // The extension's contributions are registered once its activity-bar item shows.
    const [container] = opts.installExtension === false ? [] : repoManifest(opts.extensionRoot).activityBarTitles;
    if (container)
      await page
        .locator(`.part.activitybar [aria-label^="${container}"]`)
        .first()
        .waitFor({ state: 'visible', timeout: 60_000 });
    console.log(`[e2e] workbench ready after ${Date.now() - started} ms`);
    const srv = server;
    return {
      page,
      server: srv,
      workspace,
      close,
      async paletteRows(text: string): Promise<Locator> {
        return openPalette(page, text);
      },
      findInPalette: (text: string) => findInPalette(page, text),
      closeQuickInput: () => closeQuickInput(page),
      async runCommand(text: string): Promise<void> {
        await findInPalette(page, text);
        await page.keyboard.press('Enter');
        // The palette has gone: hidden, or (a command that asks for input at once) reused by the
        // command's own input box, whose text is no longer the palette's `>command`.
        await page.waitForFunction(
          () => {
            const widget = document.querySelector<HTMLElement>('.quick-input-widget');
            const box = widget?.getBoundingClientRect();
            if (
              !widget ||
              !box ||
              box.width === 0 ||
              box.height === 0 ||
              getComputedStyle(widget).display === 'none' ||
              getComputedStyle(widget).visibility === 'hidden'
            )
              return true;
            const input = widget.querySelector('input');
            return !widget.classList.contains('quick-input-widget-closing') && !!input && !input.value.startsWith('>');
          },
          undefined,
          { timeout: 30_000 },
        );
        // A command that throws (or is not registered) shows a modal error: fail with its text.
        const error = page.locator('.monaco-dialog-box', { hasText: 'resulted in an error' });
        if (
          await error.waitFor({ state: 'visible', timeout: 750 }).then(
            () => true,
            () => false,
          )
        ) {
          const parts = await error.locator('.dialog-message-text, .dialog-message-detail').allInnerTexts();
          const message = parts.join(': ').replace(/\s+/g, ' ').trim();
          await page.keyboard.press('Escape');
          throw new Error(message);
        }
      },
      webviewFrame(): FrameLocator {
        return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      },
      async screenshot(shot: string): Promise<string> {
        fs.mkdirSync(screenshotsDir, { recursive: true });
        const file = path.join(screenshotsDir, `${shot}.png`);
        await page.screenshot({ path: file });
        return file;
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * For a node:test `describe`: opens the workbench before its tests, closes it after them, and
 * saves a screenshot `FAILED-<test name>.png` of any test that fails. Returns a getter.
 *
 *   describe('chat', () => {
 *     const wb = useWorkbench({ settings: { 'warmline.baseUrl': url } });
 *     it('answers', async () => { await wb().runCommand('Warmline: Open Chat'); });
 *   });
 */
export function useWorkbench(opts: WorkbenchOptions = {}): () => Workbench {
  let wb: Workbench | undefined;
  before(async () => {
    wb = await openWorkbench(opts);
  });
  afterEach(async (t) => {
    // TestContext.passed exists at run time (Node 24); @types/node declares it on SuiteContext only.
    if ((t as { passed?: boolean }).passed !== false || !wb) return;
    const file = await wb.screenshot(`FAILED-${t.name.replace(/[^\w.-]+/g, '-')}`).catch(() => undefined);
    if (file) t.diagnostic(`screenshot: ${path.relative(repoRoot, file)}`);
  });
  after(async () => {
    await wb?.close();
  });
  return () => {
    if (!wb) throw new Error('the workbench did not open (see the before hook)');
    return wb;
  };
}

interface Manifest {
  displayName?: string;
  name: string;
  contributes?: {
    commands?: { command: string; title: string; category?: string; enablement?: string }[];
    menus?: { commandPalette?: { command: string; when?: string }[] };
    viewsContainers?: { activitybar?: { id: string; title: string }[] };
  };
}

/**
 * What the extension's package.json says a user should see: its display name, and the palette
 * labels (`Category: Title`) of the contributed commands the palette always offers (those with
 * no `when` under menus.commandPalette and no `enablement`).
 */
export function repoManifest(extensionRoot: string = repoRoot): {
  displayName: string;
  paletteCommands: string[];
  commandIds: string[];
  activityBarTitles: string[];
} {
  const m = JSON.parse(fs.readFileSync(path.join(extensionRoot, 'package.json'), 'utf8')) as Manifest;
  const conditional = new Set((m.contributes?.menus?.commandPalette ?? []).filter((e) => e.when).map((e) => e.command));
  const paletteCommands = (m.contributes?.commands ?? [])
    .filter((c) => !conditional.has(c.command) && !c.enablement)
    .map((c) => (c.category ? `${c.category}: ${c.title}` : c.title));
  return {
    displayName: m.displayName ?? m.name,
    paletteCommands,
    commandIds: (m.contributes?.commands ?? []).map((c) => c.command),
    activityBarTitles: (m.contributes?.viewsContainers?.activitybar ?? []).map((v) => v.title),
  };
}

/**
 * For a node:test `describe`: starts the Responses emulator (a scripted test double, not AI)
 * with `scenario`, then a workbench whose Warmline settings point at it; at the end checks the
 * emulator saw no protocol violation. Returns getters for both.
 */
export function useScriptedWorkbench(
  scenario: Scenario,
  opts: {
    chunkDelayMs?: number;
    settings?: Record<string, unknown>;
    workspaceTrust?: boolean;
    emulator?: Partial<EmulatorOptions>;
    files?: Record<string, string>;
  } = {},
): { wb: () => Workbench; emulator: () => Emulator } {
  let emu: Emulator | undefined;
  // The workbench starts after the emulator: its settings are completed once the port is known.
  const settings: Record<string, unknown> = { ...opts.settings };
  before(async () => {
    emu = await startEmulator({ scenario, mode: 'strict', chunkDelayMs: opts.chunkDelayMs ?? 25, ...opts.emulator });
    settings['warmline.baseUrl'] = emu.url;
  });
  const wb = useWorkbench({
    settings,
    ...(opts.workspaceTrust !== undefined ? { workspaceTrust: opts.workspaceTrust } : {}),
    ...(opts.files ? { files: opts.files } : {}),
  });
  after(async () => {
    const violations = emu?.violations ?? [];
    await emu?.close();
    assert.deepEqual(violations, [], 'the emulator saw protocol violations');
  });
  return { wb, emulator: () => emu! };
}
