// Issue 15, images: which files are taken (by their bytes, within the limits), how a chat keeps
// them (beside the chat file, only a name in the JSONL) and rebuilds them when it is opened, and
// a server or model that refuses images (the emulator's `rejectsImages`, in OpenAI's and
// llama.cpp's words): the text is still sent, with a note standing for each image, and learned.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatStore, MISSING_IMAGE_TEXT } from '../../src/agent/chat-store.ts';
import { Conversation } from '../../src/agent/conversation.ts';
import { IMAGE_MAX_BYTES, checkImage, decodeImageDataUrl, sniffImage } from '../../src/shared/images.ts';
import type { ContextChip } from '../../src/shared/messages.ts';
import { userMessage } from '../../src/session/protocol.ts';
import type { InputItem, MessageItem } from '../../src/session/protocol.ts';
import { IMAGE_LEFT_OUT } from '../../src/session/replay.ts';
import { pngBytes, pngDataUrl } from '../fixtures/png.ts';
import { modelRequests, useSessions } from './session-helpers.ts';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});
function tempStore(): { store: ChatStore; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warmline-images-'));
  dirs.push(dir);
  return { store: new ChatStore(dir), dir };
}

const bytes = (...b: number[]) => new Uint8Array([...b, ...new Array(16).fill(0)]);

describe('image validation', () => {
  it('recognises PNG, JPEG, WebP and GIF by their magic bytes, nothing else', () => {
    expect(sniffImage(pngBytes(2, 2))).toBe('image/png');
    expect(sniffImage(bytes(0xff, 0xd8, 0xff, 0xe0))).toBe('image/jpeg');
    expect(sniffImage(bytes(0x52, 0x49, 0x46, 0x46, 1, 2, 3, 4, 0x57, 0x45, 0x42, 0x50))).toBe('image/webp');
    expect(sniffImage(bytes(0x52, 0x49, 0x46, 0x46, 1, 2, 3, 4, 0x57, 0x41, 0x56, 0x45))).toBeUndefined(); // RIFF WAVE
    expect(sniffImage(new TextEncoder().encode('GIF89a....'))).toBe('image/gif');
    expect(sniffImage(new TextEncoder().encode('GIF90a....'))).toBeUndefined();
    expect(sniffImage(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeUndefined();
    expect(sniffImage(new Uint8Array())).toBeUndefined();
  });

  it('refuses a file by its bytes whatever its name says, and one over the size limit, in words', () => {
    expect(checkImage('notes.png', new TextEncoder().encode('text'))).toEqual({
      ok: false,
      reason: 'notes.png is not a PNG, JPEG, WebP or GIF image.',
    });
    const big = new Uint8Array(IMAGE_MAX_BYTES + 1);
    big.set(pngBytes(1, 1));
    const r = checkImage('huge.png', big);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/^huge\.png is 5\.0 MB; images can be up to 5 MB\.$/);
    expect(checkImage('ok.png', pngBytes(4, 4))).toEqual({ ok: true, mime: 'image/png' });
  });

  it('a data URL is taken only when its bytes are the image its mime type says', () => {
    const png = pngBytes(3, 3);
    expect(decodeImageDataUrl(pngDataUrl(3, 3))?.mime).toBe('image/png');
    expect(decodeImageDataUrl(`data:image/jpeg;base64,${png.toString('base64')}`)).toBeUndefined();
    expect(decodeImageDataUrl(`data:image/svg+xml;base64,${btoa('<svg/>')}`)).toBeUndefined();
    expect(decodeImageDataUrl('https://example.com/a.png')).toBeUndefined();
  });
});

describe('images in a chat', () => {
  const imageChip = (dataUrl: string): ContextChip => ({
    kind: 'image',
    path: '',
    label: 'shot.png',
    image: { mime: 'image/png', bytes: 100, dataUrl },
  });

  it('are stored beside the chat (by SHA-256), only their name in the JSONL, and rebuilt into the transcript and the chips on open', () => {
    const { store, dir } = tempStore();
    const url = pngDataUrl(20, 10);
    const chat = Conversation.create(store, 'pic');
    chat.addUserMessage('what is this?', [imageChip(url)], 'what is this?', [url]);
    const sent = chat.transcript[0] as MessageItem;
    expect(sent.content).toEqual([
      { type: 'input_text', text: 'what is this?' },
      { type: 'input_image', image_url: url, detail: 'auto' },
    ]);

    const jsonl = fs.readFileSync(path.join(dir, `${chat.id}.jsonl`), 'utf8');
    expect(jsonl).not.toContain('base64');
    const files = fs.readdirSync(path.join(dir, chat.id, 'images'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9a-f]{64}\.png$/);
    expect(jsonl).toContain(`warmline-image:${files[0]}`);
    expect(fs.readFileSync(path.join(dir, chat.id, 'images', files[0]!)).equals(pngBytes(20, 10))).toBe(true);

    const reopened = Conversation.open(new ChatStore(dir), chat.id)!;
    expect(reopened.transcript).toEqual(chat.transcript);
    const user = reopened.records.find((r) => r.t === 'user');
    expect(user?.t === 'user' && user.context[0]?.image?.dataUrl).toBe(url);
    expect(store.list().map((c) => c.id)).toEqual([chat.id]);
  });

  it('kept outside a chat (the queue, in workspaceState): the value holds names only, and comes back whole', () => {
    const { store, dir } = tempStore();
    const url = pngDataUrl(12, 12);
    const queued = [{ id: 'q1', text: 'and this?', context: [imageChip(url)] }];
    const saved = store.withoutImages('queued', queued);
    expect(JSON.stringify(saved)).not.toContain('base64');
    expect(saved[0]!.context[0]!.image?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.readdirSync(path.join(dir, 'queued', 'images'))).toHaveLength(1);
    expect(new ChatStore(dir).withImages('queued', saved)).toEqual([
      {
        ...queued[0],
        context: [
          { ...imageChip(url), image: { ...imageChip(url).image, sha256: saved[0]!.context[0]!.image?.sha256 } },
        ],
      },
    ]);
    expect(store.list()).toEqual([]);
  });

  it('an image whose file is gone becomes a note; the chat still opens', () => {
    const { store, dir } = tempStore();
    const url = pngDataUrl(5, 5);
    const chat = Conversation.create(store, 'pic');
    chat.addUserMessage('look', [imageChip(url)], 'look', [url]);
    fs.rmSync(path.join(dir, chat.id, 'images'), { recursive: true });
    const reopened = Conversation.open(new ChatStore(dir), chat.id)!;
    expect((reopened.transcript[0] as MessageItem).content).toEqual([
      { type: 'input_text', text: 'look' },
      { type: 'input_text', text: MISSING_IMAGE_TEXT },
    ]);
  });
});

describe('a server or model that refuses images', () => {
  const setup = useSessions();
  const withImage = (): InputItem[] => {
    const m = userMessage('describe the picture');
    (m.content as Array<Record<string, unknown>>).push({
      type: 'input_image',
      image_url: pngDataUrl(8, 8),
      detail: 'auto',
    });
    return [m];
  };
  const contentTypes = (body: Record<string, unknown>) =>
    ((body.input as MessageItem[]).at(-1)!.content as Array<{ type: string; text?: string }>).map((p) =>
      p.type === 'input_text' ? p.text : p.type,
    );

  it('a server that takes images gets the input_image part with its data URL', async () => {
    const { emu, s } = await setup({ scenario: { name: 'pic', turns: [{ text: 'a gradient' }] } });
    const r = await s.respond(withImage());
    expect(r.metrics.imagesLeftOut).toBeUndefined();
    const body = modelRequests(emu).at(-1)!.body;
    expect(contentTypes(body)).toEqual(['describe the picture', 'input_image']);
    expect(emu.violations).toEqual([]);
  });

  for (const [who, rejectsImages] of [
    ['OpenAI (400 "image_url is only supported by certain models")', true],
    ['llama.cpp without a projector (500 "image input is not supported")', 'llamacpp'],
  ] as const) {
    it(`${who}: the text is sent again at once with a note for the image, learned for the model, and said in the metrics`, async () => {
      const { emu, s } = await setup({
        rejectsImages,
        scenario: { name: 'pic', turns: [{ text: 'I read the text' }, { text: 'again' }] },
      });
      const transcript = withImage();
      const r = await s.respond(transcript);
      expect(r.metrics.imagesLeftOut).toBe(1);
      const refused = emu.requests.filter((q) => q.outcome === 'error');
      expect(refused).toHaveLength(1);
      const body = modelRequests(emu).at(-1)!.body;
      expect(contentTypes(body)).toEqual(['describe the picture', IMAGE_LEFT_OUT]);
      expect(s.capabilities.images).toEqual({ 'test-model': false });
      // The next turn does not try again: no second refusal, no violation.
      transcript.push(...r.output, userMessage('and now?'));
      await s.respond(transcript);
      expect(emu.requests.filter((q) => q.outcome === 'error')).toHaveLength(1);
      expect(emu.violations).toEqual([]);
    });
  }

  it('the emulator checks input_image parts strictly: a bad image_url is a 400 and a violation', async () => {
    const { emu, s } = await setup({ scenario: { name: 'pic', turns: [{ text: 'x' }] } });
    const m = userMessage('hi');
    (m.content as Array<Record<string, unknown>>).push({
      type: 'input_image',
      image_url: 'data:text/plain;base64,aGk=',
    });
    await expect(s.respond([m])).rejects.toThrow(/image_url/);
    expect(emu.violations.join('\n')).toMatch(/input_image without a valid image_url/);
  });
});
