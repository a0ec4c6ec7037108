// Light, dark and high-contrast: the same chat takes its colours from the theme's variables
// (screenshots in .test-artifacts/screenshots/webview-theme-*.png), and the page is the one
// chatHtml builds, under its CSP.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ChatEntryView } from '../../src/shared/messages.ts';
import { chatCsp, chatHtml, newNonce } from '../../src/ui/chat-html.ts';
import { closeSharedEnvironment, openView } from './harness.ts';
import type { View } from './harness.ts';
import { DIFF, FIGURES, FIRST_TEXT, SECOND_TEXT, msg } from './fixtures.ts';
import type { ThemeKind } from './themes.ts';

after(() => closeSharedEnvironment());

const ENTRIES: ChatEntryView[] = [
  { kind: 'user', id: 'u0', text: 'Why is the build slow?', context: [] },
  {
    kind: 'assistant',
    id: 'a0',
    text: 'Checking the build log.',
    done: true,
    tools: [],
    figures: FIGURES,
    error: {
      code: 'rate_limited',
      message: 'The API is rate limiting this key. Wait a minute, then retry.',
      actions: ['retry', 'showLog'],
    },
  },
  {
    kind: 'user',
    id: 'u1',
    text: 'Write an add function and fix src/math.ts',
    context: [{ kind: 'selection', path: 'src/math.ts', range: { start: 1, end: 3 }, label: 'math.ts:1-3' }],
  },
  {
    kind: 'assistant',
    id: 'a1',
    text: FIRST_TEXT + SECOND_TEXT,
    done: false,
    tools: [
      {
        id: 't1',
        name: 'grep',
        summary: '/add/ in *.ts',
        status: 'done',
        output: 'src/math.ts:1: export function add\n',
        result: '1 match',
      },
      {
        id: 't2',
        name: 'apply_patch',
        summary: 'src/math.ts',
        status: 'awaiting_approval',
        output: '',
        diff: DIFF,
        approval: { kind: 'edit', title: 'Apply 1 edit to src/math.ts?' },
      },
    ],
  },
];

async function richChat(theme: ThemeKind): Promise<View> {
  const view = await openView({ theme, height: 900 });
  await view.send(
    msg('state', { state: 'warm', model: 'gpt-5.1-codex', transport: 'websocket', scripted: true }),
    msg('chat.load', { chatId: 'c1', title: 'Math', entries: ENTRIES, busy: true }),
    msg('context', { chips: [{ kind: 'file', path: 'src/math.ts', label: 'math.ts' }] }),
  );
  return view;
}

describe('themes', () => {
  const seen: Record<string, string> = {};
  for (const theme of ['light', 'dark', 'high-contrast'] as const) {
    it(`renders in the ${theme} theme from its variables`, async () => {
      const view = await richChat(theme);
      const { page } = view;
      const look = await page.evaluate(() => {
        const style = (sel: string) => getComputedStyle(document.querySelector(sel) as Element);
        return {
          bodyClass: document.body.className,
          background: style('body').backgroundColor,
          text: style('.markdown p').color,
          button: style('.tool-card .btn.approve').backgroundColor,
          input: style('.input').backgroundColor,
          cardBorder: style('.tool-card').borderTopColor,
          link: style('.md-link').color,
        };
      });
      assert.match(look.bodyClass, new RegExp(`vscode-${theme}`));
      const expected = {
        light: ['rgb(248, 248, 248)', 'rgb(59, 59, 59)'],
        dark: ['rgb(24, 24, 24)', 'rgb(204, 204, 204)'],
        'high-contrast': ['rgb(0, 0, 0)', 'rgb(255, 255, 255)'],
      }[theme];
      assert.equal(look.background, expected[0]);
      assert.equal(look.text, expected[1]);
      if (theme === 'high-contrast') assert.equal(look.cardBorder, 'rgb(111, 195, 223)', 'contrast border on cards');
      seen[theme] = JSON.stringify(look);
      await view.screenshot(`theme-${theme}`);
      await page.locator('.log').evaluate((el) => {
        el.scrollTop = 0;
      });
      await view.frames();
      await view.screenshot(`theme-${theme}-top`);
      await view.close();
    });
  }

  it('looks different in each theme', () => {
    assert.equal(new Set(Object.values(seen)).size, 3);
  });
});

describe('page and CSP', () => {
  it('chatHtml has the strict CSP, one script with the nonce, nothing inline', () => {
    const nonce = newNonce();
    const html = chatHtml({
      scriptUri: 'https://x.vscode-cdn.net/dist/webview.js',
      styleUri: 'https://x.vscode-cdn.net/s.css',
      codiconsUri: 'https://x.vscode-cdn.net/c.css',
      cspSource: 'https://x.vscode-cdn.net',
      nonce,
    });
    const csp = `default-src 'none'; img-src https://x.vscode-cdn.net blob:; style-src https://x.vscode-cdn.net 'nonce-${nonce}'; font-src https://x.vscode-cdn.net; script-src 'nonce-${nonce}';`;
    assert.equal(chatCsp('https://x.vscode-cdn.net', nonce), csp);
    assert.ok(html.includes(`content="${csp.replace(/'/g, "'")}"`));
    assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
    assert.equal(html.match(/<script\b/g)?.length, 1);
    assert.ok(html.includes(`<script nonce="${nonce}" src="https://x.vscode-cdn.net/dist/webview.js"></script>`));
    assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline handlers');
    assert.doesNotMatch(html, /<style/i, 'no inline style');
  });

  it('newNonce is 32 random alphanumerics', () => {
    const nonces = new Set(Array.from({ length: 200 }, () => newNonce()));
    assert.equal(nonces.size, 200);
    for (const n of nonces) assert.match(n, /^[A-Za-z0-9]{32}$/);
    assert.throws(() =>
      chatHtml({ scriptUri: 'a', styleUri: 'b', codiconsUri: 'c', cspSource: 'd', nonce: '" onload="x' }),
    );
  });

  it('the CSP is in force in the view: an injected inline script does not run', async () => {
    const view = await openView();
    await view.page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__xss.push("inline")';
      document.body.append(s);
      const d = document.createElement('div');
      d.setAttribute('onclick', 'window.__xss.push("handler")');
      document.body.append(d);
      d.click();
    });
    // Refused, not merely late: the browser reports both (the script element, the handler) as
    // violations of script-src (script-src-elem and script-src-attr in Chromium).
    await view.page.waitForFunction(
      () =>
        (window as unknown as { __csp: { directive: string }[] }).__csp.filter((v) =>
          v.directive.startsWith('script-src'),
        ).length >= 2,
    );
    const { xss } = await view.security();
    assert.deepEqual(xss, [], 'neither ran');
    await view.close();
  });
});
