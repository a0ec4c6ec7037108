// Loads the built chat webview (dist/webview.js and its CSS) in headless Chromium, in the page
// src/ui/chat-html.ts builds (same CSP, served from 127.0.0.1 so `cspSource` is a real origin),
// with a fake `acquireVsCodeApi` that records what the view posts and answers `files.query`.
// Host messages are replayed with window.postMessage, as VS Code delivers them.
//
//   const view = await openView({ theme: 'dark' });
//   await view.send({ type: 'assistant.start', payload: { id: 'a1' } });
//   assert.deepEqual(await view.posted('stop'), [...]);
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import type { HostMessage, WebviewMessage } from '../../src/shared/messages.ts';
import { chatHtml, newNonce } from '../../src/ui/chat-html.ts';
import { buildWebview, distDir, repoRoot } from './build.ts';
import { THEMES } from './themes.ts';
import type { ThemeKind } from './themes.ts';

export const screenshotsDir: string = path.join(repoRoot, '.test-artifacts', 'screenshots');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

export interface Server {
  origin: string;
  /** Paths requested so far (a payload that made the page fetch something shows up here). */
  requests: string[];
  /** Serves the page from `chatHtml`; `scriptPath` swaps the bundle (the benchmark's baseline). */
  pageUrl(scriptPath?: string): string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.ttf': 'font/ttf',
  '.map': 'application/json',
};

export async function startServer(extraRoots: Record<string, string> = {}): Promise<Server> {
  const requests: string[] = [];
  const roots: Record<string, string> = { '/dist/': distDir, ...extraRoots };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url.pathname);
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === '/') {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const script = url.searchParams.get('script') ?? '/dist/webview.js';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        chatHtml({
          scriptUri: `${origin}${script}`,
          styleUri: `${origin}/dist/webview-style.css`,
          codiconsUri: `${origin}/dist/codicons/codicon.css`,
          cspSource: origin,
          nonce: newNonce(),
        }),
      );
      return;
    }
    for (const [prefix, dir] of Object.entries(roots)) {
      if (!url.pathname.startsWith(prefix)) continue;
      const file = path.join(dir, path.normalize(url.pathname.slice(prefix.length)));
      if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) break;
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      fs.createReadStream(file).pipe(res);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    requests,
    pageUrl: (scriptPath) => `${origin}/${scriptPath ? `?script=${encodeURIComponent(scriptPath)}` : ''}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

let shared: Promise<{ browser: Browser; server: Server }> | undefined;

/** One browser and one server per process, shared by every case file. */
export function sharedEnvironment(): Promise<{ browser: Browser; server: Server }> {
  shared ??= (async () => {
    await buildWebview();
    const [browser, server] = await Promise.all([launchChromium(), startServer()]);
    return { browser, server };
  })();
  return shared;
}

export async function closeSharedEnvironment(): Promise<void> {
  if (!shared) return;
  const s = shared;
  shared = undefined;
  const { browser, server } = await s;
  await Promise.all([browser.close(), server.close()]);
}

export interface ViewOptions {
  theme?: ThemeKind;
  width?: number;
  height?: number;
  /** Files the fake host answers `files.query` with (those containing the query). */
  files?: string[];
  /** Folders the fake host answers `folders.query` with (those containing the query). */
  folders?: string[];
  /** What vscode.getState() returns at load. */
  state?: unknown;
  /** Another bundle than dist/webview.js (a server path). */
  scriptPath?: string;
  server?: Server;
  browser?: Browser;
}

export interface View {
  page: Page;
  server: Server;
  send(...messages: HostMessage[]): Promise<void>;
  /** Messages the view posted, optionally only one type. */
  posted(type?: WebviewMessage['type']): Promise<WebviewMessage[]>;
  clearPosted(): Promise<void>;
  /** What the view last saved with vscode.setState() (give it to another view as `state`: a reload). */
  savedState(): Promise<unknown>;
  /** Waits until the view has rendered (two animation frames). */
  frames(n?: number): Promise<void>;
  screenshot(name: string): Promise<string>;
  /** Script-run evidence: trap hits (must stay empty) and CSP violations (blocked attempts). */
  security(): Promise<{
    xss: string[];
    csp: { directive: string; blocked: string }[];
    navigations: string[];
    dialogs: string[];
  }>;
  close(): Promise<void>;
}

interface HarnessWindow {
  __posted: WebviewMessage[];
  __xss: string[];
  __csp: { directive: string; blocked: string }[];
  __files: string[];
  __folders: string[];
  /** What the view last saved with vscode.setState(). */
  __savedState(): unknown;
}

export async function openView(opts: ViewOptions = {}): Promise<View> {
  const env = opts.server && opts.browser ? { server: opts.server, browser: opts.browser } : await sharedEnvironment();
  const server = opts.server ?? env.server;
  const browser = opts.browser ?? env.browser;
  const theme = THEMES[opts.theme ?? 'dark'];
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 420, height: opts.height ?? 720 },
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  const navigations: string[] = [];
  const dialogs: string[] = [];
  page.on('framenavigated', (f) => navigations.push(f.url()));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => console.error(`[webview pageerror] ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Content Security Policy|Refused to/.test(m.text()))
      console.error(`[webview console] ${m.text()}`);
  });
  await page.addInitScript(
    ({ vars, bodyClass, files, folders, state }) => {
      const w = window as unknown as HarnessWindow & Record<string, unknown>;
      const posted: unknown[] = [];
      w.__posted = posted as WebviewMessage[];
      w.__xss = [];
      w.__csp = [];
      w.__files = files;
      w.__folders = folders;
      const trap =
        (what: string) =>
        (...args: unknown[]) => {
          w.__xss.push(`${what}(${args.map(String).join(',')})`);
        };
      w.alert = trap('alert');
      w.confirm = trap('confirm');
      w.prompt = trap('prompt');
      document.addEventListener('securitypolicyviolation', (e) =>
        w.__csp.push({ directive: e.violatedDirective, blocked: e.blockedURI }),
      );
      let acquired = false;
      let saved = state;
      w.__savedState = () => saved;
      w.acquireVsCodeApi = () => {
        if (acquired) throw new Error('acquireVsCodeApi may be called once');
        acquired = true;
        return {
          postMessage(m: { type: string; name?: string; requestId?: number; payload?: { query?: string } }) {
            posted.push(JSON.parse(JSON.stringify(m)));
            if (m.type === 'request' && m.name === 'files.query') {
              const q = (m.payload?.query ?? '').toLowerCase();
              const reply = {
                type: 'reply',
                name: 'files.query',
                requestId: m.requestId,
                payload: { files: w.__files.filter((f) => f.toLowerCase().includes(q)) },
              };
              setTimeout(() => window.postMessage(reply, '*'), 5);
            }
            if (m.type === 'request' && m.name === 'folders.query') {
              const q = (m.payload?.query ?? '').toLowerCase();
              const reply = {
                type: 'reply',
                name: 'folders.query',
                requestId: m.requestId,
                payload: { folders: w.__folders.filter((f) => f.toLowerCase().includes(q)) },
              };
              setTimeout(() => window.postMessage(reply, '*'), 5);
            }
          },
          getState: () => saved,
          setState: (s: unknown) => {
            saved = s;
          },
        };
      };
      const applyTheme = () => {
        for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
        document.body?.classList.add(bodyClass);
      };
      document.addEventListener('DOMContentLoaded', applyTheme);
      new MutationObserver((_, obs) => {
        if (document.body) {
          applyTheme();
          obs.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    },
    {
      vars: theme.vars,
      bodyClass: theme.bodyClass,
      files: opts.files ?? [],
      folders: opts.folders ?? [],
      state: opts.state,
    },
  );
  await page.goto(server.pageUrl(opts.scriptPath));
  await page.waitForFunction(() => (window as unknown as HarnessWindow).__posted?.some((m) => m.type === 'ready'));
  await page.evaluate(() => document.fonts.ready.then(() => undefined));

  const frames = (n = 2): Promise<void> =>
    page.evaluate(
      (count) =>
        new Promise<void>((resolve) => {
          let left = count;
          const tick = () => (--left <= 0 ? resolve() : requestAnimationFrame(tick));
          requestAnimationFrame(tick);
        }),
      n,
    );

  return {
    page,
    server,
    async send(...messages) {
      await page.evaluate((ms) => {
        for (const m of ms) window.postMessage(m, '*');
      }, messages);
      await frames();
    },
    async posted(type) {
      const all = await page.evaluate(() => (window as unknown as HarnessWindow).__posted);
      return type ? all.filter((m) => m.type === type) : all;
    },
    async clearPosted() {
      await page.evaluate(() => {
        (window as unknown as HarnessWindow).__posted.length = 0;
      });
    },
    savedState: () => page.evaluate(() => (window as unknown as HarnessWindow).__savedState()),
    frames,
    async screenshot(name) {
      fs.mkdirSync(screenshotsDir, { recursive: true });
      const file = path.join(screenshotsDir, `webview-${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    async security() {
      const s = await page.evaluate(() => {
        const w = window as unknown as HarnessWindow;
        return { xss: [...w.__xss], csp: [...w.__csp] };
      });
      return { ...s, navigations: navigations.slice(1), dialogs: [...dialogs] };
    },
    close: () => context.close(),
  };
}
