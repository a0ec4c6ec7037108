// Model output, tool output, file names and chat titles are untrusted. Each payload below goes
// through the channel named in its case (streamed text, a loaded chat, tool output, a diff, an
// error, a chip, a history title, the @file list) into the real bundle under the real CSP.
// Then: no script ran (window.__xss, alert/confirm/prompt are traps; CSP violation reports are
// fine: they are the CSP doing its job), no dangerous element or attribute exists in rendered
// content, no link is clickable except http(s), and clicking every link posts nothing else.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HostMessage } from '../../src/shared/messages.ts';
import { closeSharedEnvironment, openView } from './harness.ts';
import type { View } from './harness.ts';
import { deltas, msg } from './fixtures.ts';

after(() => closeSharedEnvironment());

type Channel =
  | 'text'
  | 'text-1char'
  | 'loaded'
  | 'user'
  | 'tool-output'
  | 'tool-meta'
  | 'diff'
  | 'preview'
  | 'approval'
  | 'error'
  | 'chip'
  | 'history'
  | 'files';

interface Case {
  name: string;
  channel: Channel;
  payload: string;
  /** Text that must be visible (the payload shown, not swallowed or run). */
  shows?: string | RegExp;
  /** Clicking anything in it must post no link.open at all. */
  noLinks?: boolean;
}

const X = "window.__xss.push('x')";

const CASES: Case[] = [
  { name: 'script tag', channel: 'text', payload: `<script>${X}</script>`, shows: '<script>' },
  { name: 'img onerror', channel: 'text', payload: `<img src=x onerror="${X}">`, shows: 'onerror' },
  {
    name: 'svg onload with script',
    channel: 'text',
    payload: `<svg onload="${X}"><script>${X}</script></svg>`,
    shows: '<svg',
  },
  {
    name: 'iframe javascript: src',
    channel: 'text',
    payload: `<iframe src="javascript:parent.${X}"></iframe>`,
    shows: '<iframe',
  },
  { name: 'iframe srcdoc', channel: 'text', payload: `<iframe srcdoc="<script>parent.${X}</script>"></iframe>` },
  {
    name: 'javascript: link',
    channel: 'text',
    payload: `[click me](javascript:${X})`,
    shows: 'click me',
    noLinks: true,
  },
  {
    name: 'javascript: with entity colon',
    channel: 'text',
    payload: `[click me](javascript&#58;${X})`,
    shows: 'click me',
    noLinks: true,
  },
  { name: 'JaVaScRiPt: mixed case', channel: 'text', payload: `[click me](JaVaScRiPt:${X})`, noLinks: true },
  { name: 'javascript: with tab entity', channel: 'text', payload: `[click me](jav&#x09;ascript:${X})`, noLinks: true },
  {
    name: 'javascript: in pointy destination',
    channel: 'text',
    payload: `[click me](<javascript:${X}>)`,
    noLinks: true,
  },
  {
    name: 'command: link',
    channel: 'text',
    payload: '[open terminal](command:workbench.action.terminal.new)',
    shows: 'open terminal',
    noLinks: true,
  },
  {
    name: 'command: link with args',
    channel: 'text',
    payload: '[run](command:workbench.action.tasks.runTask?%5B%22deploy%22%5D "Run it")',
    noLinks: true,
  },
  {
    name: 'vscode: link',
    channel: 'text',
    payload: '[settings](vscode://settings/security.workspace.trust.enabled)',
    noLinks: true,
  },
  {
    name: 'data: link',
    channel: 'text',
    payload: '[doc](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    noLinks: true,
  },
  { name: 'file: link', channel: 'text', payload: '[passwd](file:///etc/passwd)', noLinks: true },
  { name: 'vbscript: link', channel: 'text', payload: '[vb](vbscript:msgbox(1))', noLinks: true },
  { name: 'autolink javascript:', channel: 'text', payload: `<javascript:${X}>`, noLinks: true },
  { name: 'autolink command:', channel: 'text', payload: '<command:workbench.action.openSettings>', noLinks: true },
  {
    name: 'reference-style javascript:',
    channel: 'text',
    payload: `[click][evil]\n\n[evil]: javascript:${X}`,
    noLinks: true,
  },
  {
    name: 'reference-style command:',
    channel: 'text',
    payload: '[click][c]\n\n[c]: command:workbench.action.terminal.new "t"',
    noLinks: true,
  },
  {
    name: 'nested brackets',
    channel: 'text',
    payload: `[[inner](javascript:${X})](https://example.com/ok)`,
    shows: 'inner',
  },
  {
    name: 'link title breaking out of the attribute',
    channel: 'text',
    payload: '[x](https://example.com/a "t\\" onclick=\\"alert(1)")',
  },
  {
    name: 'href breaking out with a quote',
    channel: 'text',
    payload: '[x](https://example.com/"onmouseover="alert(1))',
  },
  {
    name: 'linkify of javascript: text',
    channel: 'text',
    payload: `visit javascript:${X} or www.example.com`,
    shows: 'www.example.com',
  },
  { name: 'code span with html', channel: 'text', payload: `\`<script>${X}</script>\``, shows: '<script>' },
  {
    name: 'fenced code with html',
    channel: 'text',
    payload: `\`\`\`html\n<script>${X}</script>\n<img src=x onerror="${X}">\n\`\`\``,
    shows: '<img src=x',
  },
  {
    name: 'fence info string injection',
    channel: 'text',
    payload: '```"><img src=x onerror="alert(1)">\ncode\n```',
    shows: 'code',
  },
  {
    name: 'image from https (never loaded)',
    channel: 'text',
    payload: '![tracking pixel](https://example.com/p.png?data=secret)',
    shows: 'tracking pixel',
  },
  {
    name: 'image with handler in alt, relative src',
    channel: 'text',
    payload: '![x" onerror="alert(1)](/xss-img.png)',
  },
  {
    name: 'image data: svg',
    channel: 'text',
    payload: '![svg](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)',
    noLinks: true,
  },
  { name: 'raw anchor tag', channel: 'text', payload: '<a href="javascript:alert(1)">raw</a>', noLinks: true },
  {
    name: 'event handler attribute on a div',
    channel: 'text',
    payload: '<div style="background:url(/xss-style)" onmouseover="alert(1)">hover</div>',
  },
  {
    name: 'html entities',
    channel: 'text',
    payload: '&lt;script&gt;alert(1)&lt;/script&gt; &#60;img src=x onerror=alert(1)&#62;',
    shows: '<script>alert(1)</script>',
  },
  {
    name: 'mutation xss (math/style)',
    channel: 'text',
    payload: '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  },
  {
    name: 'object, embed, form',
    channel: 'text',
    payload:
      '<object data="javascript:alert(1)"></object><embed src="javascript:alert(1)"><form action="javascript:alert(1)"><button>go</button></form>',
  },
  {
    name: 'meta refresh and base',
    channel: 'text',
    payload:
      '<meta http-equiv="refresh" content="0;url=javascript:alert(1)"><base href="javascript:alert(1)//">[rel](foo)',
  },
  { name: 'style tag fetching a url', channel: 'text', payload: '<style>body{background:url(/xss-style)}</style>' },
  {
    name: 'script split over one-character deltas',
    channel: 'text-1char',
    payload: `<script>${X}</script><img src=x onerror="${X}">`,
    shows: '<script>',
  },
  {
    name: 'loaded chat with html',
    channel: 'loaded',
    payload: `<img src=x onerror="${X}"> [c](command:foo) [j](javascript:${X})`,
    noLinks: true,
  },
  {
    name: 'user message with html and markdown',
    channel: 'user',
    payload: `<script>${X}</script> **[x](javascript:alert(1))**`,
    shows: '<script>',
    noLinks: true,
  },
  {
    name: 'tool output with html',
    channel: 'tool-output',
    payload: `<script>${X}</script><img src=x onerror="${X}">\n[x](javascript:alert(1))`,
    shows: '<script>',
    noLinks: true,
  },
  {
    name: 'tool name, summary and result with html',
    channel: 'tool-meta',
    payload: `<img src=x onerror="${X}">`,
    shows: '<img src=x',
  },
  {
    name: 'diff path and lines with html',
    channel: 'diff',
    payload: `<img src=x onerror="${X}">`,
    shows: '<img src=x',
  },
  {
    name: 'streaming patch preview: name, paths and lines with html',
    channel: 'preview',
    payload: `<img src=x onerror="${X}">`,
    shows: '<img src=x',
  },
  {
    name: 'approval title and command with html',
    channel: 'approval',
    payload: `$(curl evil) <script>${X}</script>`,
    shows: '<script>',
  },
  {
    name: 'error message with html',
    channel: 'error',
    payload: `<img src=x onerror="${X}"> [fix](command:workbench.action.terminal.new)`,
    shows: '<img src=x',
    noLinks: true,
  },
  {
    name: 'context chip file name with html',
    channel: 'chip',
    payload: `<img src=x onerror="${X}">.ts`,
    shows: '<img src=x',
  },
  {
    name: 'history title with html',
    channel: 'history',
    payload: `<script>${X}</script><img src=x onerror="${X}">`,
    shows: '<script>',
  },
  {
    name: '@file completion name with html',
    channel: 'files',
    payload: `src/<img src=x onerror="${X}">.ts`,
    shows: '<img src=x',
  },
];

async function deliver(view: View, c: Case): Promise<void> {
  const p = c.payload;
  const id = 'a1';
  const start: HostMessage[] = [
    msg('chat.load', { chatId: 'x', title: 'x', entries: [], busy: false }),
    msg('assistant.start', { id }),
  ];
  const end = msg('assistant.end', { id });
  const tool = (extra: Record<string, unknown> = {}) =>
    msg('tool.start', {
      messageId: id,
      tool: { id: 't1', name: 'read_file', summary: 'a.ts', status: 'running', output: '', ...extra },
    });
  switch (c.channel) {
    case 'text':
      return view.send(...start, ...deltas(id, p, 3), end);
    case 'text-1char':
      return view.send(...start, ...deltas(id, p, 1), end);
    case 'loaded':
      return view.send(
        msg('chat.load', {
          chatId: 'x',
          title: p,
          busy: false,
          entries: [{ kind: 'assistant', id, text: p, tools: [], done: true }],
        }),
      );
    case 'user':
      return view.send(
        start[0] as HostMessage,
        msg('user.message', {
          entry: { kind: 'user', id: 'u1', text: p, context: [{ kind: 'file', path: p, label: p }] },
        }),
      );
    case 'tool-output':
      return view.send(...start, tool(), msg('tool.progress', { id: 't1', chunk: p }), end);
    case 'tool-meta':
      return view.send(
        ...start,
        tool({ name: p, summary: p }),
        msg('tool.update', { id: 't1', status: 'error', result: p }),
        end,
      );
    case 'diff':
      return view.send(
        ...start,
        tool(),
        msg('tool.update', {
          id: 't1',
          status: 'awaiting_approval',
          approval: { kind: 'edit', title: p },
          diff: [
            {
              path: p,
              moveTo: p,
              kind: 'update',
              added: 1,
              removed: 1,
              hunks: [{ oldStart: 1, newStart: 1, lines: [`-${p}`, `+${p}`, ` ${p}`] }],
            },
          ],
        }),
      );
    case 'preview':
      return view.send(
        ...start,
        msg('tool.preview', {
          messageId: id,
          id: 't1',
          name: p,
          preview: {
            filesOmitted: 0,
            files: [
              {
                path: p,
                moveTo: p,
                kind: 'update',
                added: 1,
                removed: 1,
                omitted: 2,
                lines: [`@${p}`, `-${p}`, `+${p}`, ` ${p}`],
              },
            ],
          },
        }),
      );
    case 'approval':
      return view.send(
        ...start,
        tool({ status: 'awaiting_approval', approval: { kind: 'shell', title: p, command: p } }),
      );
    case 'error':
      return view.send(...start, msg('assistant.end', { id, error: { code: p, message: p, actions: ['retry'] } }));
    case 'chip':
      return view.send(
        start[0] as HostMessage,
        msg('context', {
          chips: [
            { kind: 'file', path: p, label: p },
            { kind: 'selection', path: p, range: { start: 1, end: 2 }, label: '' },
          ],
        }),
      );
    case 'history': {
      await view.send(
        start[0] as HostMessage,
        msg('history', {
          activeId: 'a',
          chats: [
            { id: 'a', title: p, updatedAt: Date.now() },
            { id: 'b', title: p, updatedAt: 0 },
          ],
        }),
      );
      await view.page.getByRole('button', { name: 'Chat history' }).click();
      return view.frames();
    }
    case 'files': {
      await view.send(start[0] as HostMessage);
      await view.page.evaluate((f) => {
        (window as unknown as { __files: string[] }).__files = [f];
      }, p);
      await view.page.getByRole('textbox', { name: 'Message Warmline' }).fill('');
      await view.page.getByRole('textbox', { name: 'Message Warmline' }).focus();
      await view.page.keyboard.type('@src');
      await view.page.locator('.mention').first().waitFor();
      return;
    }
  }
}

const CONTENT = '.markdown, .user-text, .tool-card, .error-box, .chip, .history, .mentions, .figures';
const DANGEROUS_TAGS = [
  'script',
  'iframe',
  'object',
  'embed',
  'img',
  'svg',
  'math',
  'style',
  'link',
  'meta',
  'base',
  'form',
  'frame',
  'video',
  'audio',
  'source',
  'input',
  'textarea',
  'select',
];

async function inspect(view: View): Promise<string[]> {
  return view.page.evaluate(
    ({ content, tags }) => {
      const problems: string[] = [];
      const roots = Array.from(document.querySelectorAll(content));
      for (const root of roots) {
        for (const el of [root, ...Array.from(root.querySelectorAll('*'))]) {
          const tag = el.tagName.toLowerCase();
          if (tags.includes(tag)) problems.push(`<${tag}> element`);
          for (const a of Array.from(el.attributes)) {
            if (/^on/i.test(a.name)) problems.push(`${a.name} attribute on <${tag}>`);
            if (
              ['href', 'src', 'srcset', 'srcdoc', 'action', 'formaction', 'xlink:href', 'style', 'data'].includes(
                a.name,
              )
            )
              problems.push(`${a.name} attribute on <${tag}>`);
            if (a.name === 'data-href' && !/^https?:\/\//i.test(a.value)) problems.push(`data-href ${a.value}`);
          }
        }
      }
      // Anything that looks clickable to the user must be an http(s) link.
      for (const el of Array.from(document.querySelectorAll('[data-href], a, [role=link]'))) {
        const href = el.getAttribute('data-href') ?? el.getAttribute('href') ?? '';
        if (!/^https?:\/\//i.test(href)) problems.push(`clickable ${el.tagName} to "${href}"`);
      }
      return problems;
    },
    { content: CONTENT, tags: DANGEROUS_TAGS },
  );
}

async function clickEverything(view: View): Promise<void> {
  const targets = view.page.locator(
    '.md-link, .md-link-inert, .md-image-blocked, .log a, .log code, .error-box span, .tool-card span, .chip-label, .history-item-title',
  );
  const n = await targets.count();
  for (let i = 0; i < n; i++) {
    const t = targets.nth(i);
    if (await t.isVisible()) await t.click({ timeout: 2000, force: true, noWaitAfter: true }).catch(() => undefined);
  }
  await view.frames();
}

describe('untrusted content cannot run or link out', () => {
  let view: View;
  before(async () => {
    view = await openView();
  });
  after(() => view.close());

  it(`has at least 30 cases (${CASES.length})`, () => {
    assert.ok(CASES.length >= 30);
  });

  it('the checks are not vacuous: a planted script, element and link are all caught', async () => {
    await view.page.evaluate(() => {
      (window as unknown as { __xss: string[] }).__xss.push('planted');
    });
    assert.deepEqual((await view.security()).xss, ['planted']);
    await view.send(
      msg('chat.load', { chatId: 'x', title: 'x', entries: [], busy: false }),
      msg('assistant.start', { id: 'p' }),
      ...deltas('p', 'planted'),
      msg('assistant.end', { id: 'p' }),
    );
    await view.page.evaluate(() => {
      const md = document.querySelector('.markdown') as HTMLElement;
      md.insertAdjacentHTML(
        'beforeend',
        '<img src="data:," onerror="void 0"><a href="command:x" data-href="command:x">x</a>',
      );
    });
    const problems = await inspect(view);
    for (const p of ['<img> element', 'onerror attribute on <img>', 'href attribute on <a>', 'data-href command:x'])
      assert.ok(problems.includes(p), `${p} caught: ${problems.join('; ')}`);
    await view.close();
    view = await openView();
  });

  let dirty = false;
  for (const c of CASES) {
    it(`${c.channel}: ${c.name}`, async () => {
      // Cases that open panels or fill the box get a fresh view afterwards; the others start
      // from an empty chat (chat.load) in the same view, with the posted messages cleared.
      if (dirty) {
        await view.close();
        view = await openView();
      }
      dirty = c.channel === 'history' || c.channel === 'files' || c.channel === 'chip';
      await view.send(msg('context', { chips: [] }));
      await view.clearPosted();
      await deliver(view, c);
      const problems = await inspect(view);
      assert.deepEqual(problems, [], `dangerous output for ${JSON.stringify(c.payload)}`);
      if (c.shows) {
        const text = await view.page.locator('#app').innerText();
        if (typeof c.shows === 'string')
          assert.ok(text.includes(c.shows), `"${c.shows}" shown as text in: ${text.slice(0, 400)}`);
        else assert.match(text, c.shows);
      }
      await clickEverything(view);
      const opened = (await view.posted('link.open')).map((m) => (m.payload as { href: string }).href);
      if (c.noLinks) assert.deepEqual(opened, [], 'no link.open for a dangerous link');
      for (const href of opened) assert.match(href, /^https?:\/\//, `only http(s) reaches the host: ${href}`);
      await view.page.waitForTimeout(30);
      const sec = await view.security();
      assert.deepEqual(sec.xss, [], 'no script ran');
      assert.deepEqual(sec.dialogs, [], 'no dialog opened');
      assert.deepEqual(sec.navigations, [], 'the page did not navigate');
    });
  }

  it('nothing was fetched on behalf of the payloads (images, styles, frames)', () => {
    const unexpected = view.server.requests.filter(
      (p) => !(p === '/' || p.startsWith('/dist/') || p === '/favicon.ico'),
    );
    assert.deepEqual(unexpected, []);
  });
});
