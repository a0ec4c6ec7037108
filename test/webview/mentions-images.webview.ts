// Issue 15 in the view: `@` lists the kinds of context (@problems, @terminal, @git, @selection)
// before folders and files, each pick a chip sent with the message; an image pasted into the
// message box becomes a chip with a thumbnail (under the page's real CSP) and goes with Send;
// a file that is not an image is refused in words; a sent image shows in the chat.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pngBytes, pngDataUrl } from '../fixtures/png.ts';
import { closeSharedEnvironment, openView } from './harness.ts';
import type { View } from './harness.ts';
import { deltas, emptyChat, msg } from './fixtures.ts';

after(() => closeSharedEnvironment());

const names = (view: View) => view.page.locator('.mentions .mention-name').allInnerTexts();

/** Pastes files into the message box as a browser does (a ClipboardEvent with a DataTransfer). */
async function paste(view: View, files: Array<{ name: string; type: string; base64: string }>): Promise<void> {
  await view.page.evaluate((list) => {
    const dt = new DataTransfer();
    for (const f of list) {
      const bin = atob(f.base64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], f.name, { type: f.type }));
    }
    const input = document.querySelector('textarea.input')!;
    input.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  }, files);
}

describe('@ mentions', () => {
  it('typing @ lists the kinds first, then folders and files; @problems and a folder become chips sent with the message', async () => {
    const view = await openView({ files: ['src/app.ts', 'README.md'], folders: ['src', 'src/lib'] });
    const { page } = view;
    await view.send(emptyChat());
    const input = page.getByRole('textbox', { name: 'Message Warmline' });
    await input.focus();
    await page.keyboard.type('check @');
    const list = page.getByRole('listbox', { name: 'Context to add' });
    await list.waitFor({ state: 'visible' });
    await page.waitForFunction(() => document.querySelectorAll('.mention').length === 8);
    assert.deepEqual(await names(view), [
      '@problems',
      '@terminal',
      '@git',
      '@selection',
      'src/',
      'lib/',
      'app.ts',
      'README.md',
    ]);
    await view.screenshot('mention-completion');
    await page.keyboard.press('Enter'); // @problems, the first row
    assert.equal(await list.isVisible(), false);
    assert.equal(await input.inputValue(), 'check ');
    await page.keyboard.type('@lib');
    await page.waitForFunction(() => document.querySelector('.mention-name')?.textContent === 'lib/');
    assert.deepEqual(await names(view), ['lib/']);
    await page.keyboard.press('Tab');
    await page.keyboard.type('@pro');
    await page.waitForFunction(() => document.querySelector('.mention-name')?.textContent === '@problems');
    assert.deepEqual(await names(view), ['@problems'], '@ + a prefix narrows the kinds');
    await page.keyboard.press('Escape');
    assert.deepEqual(await page.locator('.composer .chip-label').allInnerTexts(), ['@problems', 'src/lib/']);
    await input.fill('check these');
    await page.keyboard.press('Enter');
    assert.deepEqual(
      (await view.posted('send')).map((m) => m.payload),
      [
        {
          text: 'check these',
          context: [
            { kind: 'problems', path: '', label: '@problems' },
            { kind: 'folder', path: 'src/lib', label: 'src/lib/' },
          ],
        },
      ],
    );
    await view.close();
  });

  it('@selection asks the host for the editor selection (the host makes that chip)', async () => {
    const view = await openView({ files: [] });
    const { page } = view;
    await view.send(emptyChat());
    await page.getByRole('textbox', { name: 'Message Warmline' }).focus();
    await page.keyboard.type('@sel');
    await page.waitForFunction(() => document.querySelector('.mention-name')?.textContent === '@selection');
    await page.keyboard.press('Enter');
    assert.deepEqual(
      (await view.posted('context.attach')).map((m) => m.payload),
      [{ what: 'selection' }],
    );
    await view.close();
  });
});

describe('images', () => {
  it('a pasted PNG becomes a chip with a thumbnail, removable, and goes with Send', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(emptyChat());
    await page.getByRole('textbox', { name: 'Message Warmline' }).focus();
    const png = pngBytes(64, 48);
    await paste(view, [{ name: 'image.png', type: 'image/png', base64: png.toString('base64') }]);
    const thumb = page.locator('.composer .chip-image img.chip-thumb');
    await thumb.waitFor({ state: 'visible' });
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('.composer .chip-thumb');
      return !!img && img.complete && img.naturalWidth === 64;
    });
    assert.match((await thumb.getAttribute('src')) ?? '', /^blob:/, 'shown through a blob: URL the CSP allows');
    assert.deepEqual(await page.locator('.composer .chip-label').allInnerTexts(), [
      `Pasted image (${Math.ceil(png.length / 1024)} KB)`,
    ]);
    assert.equal(await page.locator('.composer-note').isVisible(), false);
    await view.screenshot('image-chip');
    // A second one, removed again.
    await paste(view, [{ name: 'second.png', type: 'image/png', base64: png.toString('base64') }]);
    await page.waitForFunction(() => document.querySelectorAll('.composer .chip-image').length === 2);
    await page.getByRole('button', { name: 'Remove second.png from context' }).click();
    assert.equal(await page.locator('.composer .chip-image').count(), 1);
    await page.getByRole('textbox', { name: 'Message Warmline' }).fill('what is in this picture?');
    await page.keyboard.press('Enter');
    const sent = (await view.posted('send')).map((m) => m.payload);
    assert.deepEqual(sent, [
      {
        text: 'what is in this picture?',
        context: [
          {
            kind: 'image',
            path: '',
            label: `Pasted image (${Math.ceil(png.length / 1024)} KB)`,
            image: { mime: 'image/png', bytes: png.length, dataUrl: `data:image/png;base64,${png.toString('base64')}` },
          },
        ],
      },
    ]);
    assert.equal(await page.locator('.composer .chip').count(), 0, 'the chip went with the message');
    assert.deepEqual((await view.security()).csp, []);
    await view.close();
  });

  it('a file that is not an image (whatever its name and type say) is refused with a message; too many are refused', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(emptyChat());
    await page.getByRole('textbox', { name: 'Message Warmline' }).focus();
    await paste(view, [
      { name: 'notes.png', type: 'image/png', base64: Buffer.from('just some text, not a PNG').toString('base64') },
    ]);
    const note = page.locator('.composer-note');
    await note.waitFor({ state: 'visible' });
    assert.equal(await note.innerText(), 'notes.png is not a PNG, JPEG, WebP or GIF image.');
    assert.equal(await note.getAttribute('role'), 'alert');
    assert.equal(await page.locator('.composer .chip').count(), 0);
    const b64 = pngBytes(8, 8).toString('base64');
    await paste(
      view,
      [1, 2, 3, 4, 5].map((i) => ({ name: `p${i}.png`, type: 'image/png', base64: b64 })),
    );
    await page.waitForFunction(() => document.querySelector('.composer-note')?.textContent?.includes('At most 4'));
    assert.equal(await page.locator('.composer .chip-image').count(), 4);
    await view.close();
  });

  it('an image dropped on the composer becomes a chip too', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(emptyChat());
    const prevented = await page.evaluate((b64) => {
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'dropped.gif', { type: '' }));
      const target = document.querySelector('textarea.input')!;
      const over = new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true });
      target.dispatchEvent(over);
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      return over.defaultPrevented;
    }, Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1').toString('base64'));
    assert.equal(prevented, true, 'dragover with files is accepted');
    await page.locator('.composer .chip-image').waitFor();
    assert.deepEqual(await page.locator('.composer .chip-label').allInnerTexts(), ['dropped.gif']);
    await view.close();
  });

  it('text pasted is pasted as text, not taken as an image', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(emptyChat());
    const input = page.getByRole('textbox', { name: 'Message Warmline' });
    await input.focus();
    const prevented = await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.setData('text/plain', 'hello');
      const e = new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true });
      document.querySelector('textarea.input')!.dispatchEvent(e);
      return e.defaultPrevented;
    });
    assert.equal(prevented, false);
    assert.equal(await page.locator('.composer .chip').count(), 0);
    await view.close();
  });

  it('a sent image shows as a thumbnail in the user message (also in a loaded chat); a refusal note shows in the reply', async () => {
    const view = await openView();
    const { page } = view;
    const dataUrl = pngDataUrl(32, 32);
    await view.send(
      msg('chat.load', {
        chatId: 'c1',
        title: 'pic',
        busy: false,
        entries: [
          {
            kind: 'user',
            id: 'u1',
            text: 'what is this?',
            context: [
              { kind: 'image', path: '', label: 'shot.png', image: { mime: 'image/png', bytes: 100, dataUrl } },
            ],
          },
        ],
      }),
      msg('assistant.start', { id: 'a1' }),
      msg('images.refused', {
        id: 'a1',
        message: 'The model does not take images: the message was sent without them.',
      }),
      ...deltas('a1', 'I can only read the text.'),
      msg('assistant.end', { id: 'a1' }),
    );
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('.entry.user .chip-thumb');
      return !!img && img.complete && img.naturalWidth === 32;
    });
    assert.equal(
      await page.locator('.entry.assistant .entry-note').innerText(),
      'The model does not take images: the message was sent without them.',
    );
    assert.deepEqual((await view.security()).csp, []);
    await view.close();
  });

  it('an image chip whose data is not an image (a hostile or broken chat file) shows the icon, no <img>', async () => {
    const view = await openView();
    const { page } = view;
    const bad = [
      'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
      'javascript:alert(1)',
      'data:image/png;base64,%%%not-base64',
    ];
    await view.send(
      msg('chat.load', {
        chatId: 'c1',
        title: 'bad',
        busy: false,
        entries: [
          {
            kind: 'user',
            id: 'u1',
            text: 'hi',
            context: bad.map((dataUrl, i) => ({
              kind: 'image' as const,
              path: '',
              label: `bad${i}.png`,
              image: { mime: 'image/png' as const, bytes: 1, dataUrl },
            })),
          },
        ],
      }),
    );
    await page.locator('.entry.user .chip-image').nth(2).waitFor();
    assert.equal(await page.locator('.entry.user img').count(), 0);
    assert.equal(await page.locator('.entry.user .chip-image .codicon-file-media').count(), 3);
    const sec = await view.security();
    assert.deepEqual(sec.xss, []);
    assert.deepEqual(sec.csp, []);
    await view.close();
  });
});
