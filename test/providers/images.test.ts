// Issue 15, images, against the real thing: llama.cpp's server without a multimodal projector
// (the tiny test model has none) refuses an `input_image` part. Warmline must see that refusal for
// what it is, send the text again at once with a note standing for the image, learn it for the
// model, and not send images to it again. The unit tests play this refusal with the emulator
// (`rejectsImages: 'llamacpp'`); this checks the emulator's copy against the server itself.
import { describe, expect, it } from 'vitest';
import { userMessage } from '../../src/session/protocol.ts';
import type { InputItem, MessageItem } from '../../src/session/protocol.ts';
import { IMAGE_LEFT_OUT } from '../../src/session/replay.ts';
import { pngDataUrl } from '../fixtures/png.ts';
import { describeTraffic, llamaSession, SHORT_ANSWERS, useLlama } from './helpers.ts';

const llama = useLlama();

/** The last user message's parts as sent: text, or the part's type. */
function parts(body: Record<string, unknown> | undefined): unknown[] {
  const input = (body?.input ?? []) as MessageItem[];
  const last = input.filter((i) => i.type === 'message' && i.role === 'user').at(-1);
  const content = Array.isArray(last?.content) ? (last.content as Array<{ type: string; text?: string }>) : [];
  return content.map((p) => (p.type === 'input_text' ? p.text : p.type));
}

describe('images on a server that does not take them (llama.cpp without a projector)', () => {
  it('the refusal is recognised: the text goes again at once with a note, learned for the model, no image sent after', async () => {
    const proxy = await llama.proxy();
    const s = llamaSession(proxy.baseUrl, SHORT_ANSWERS);
    await s.start(['chat']);
    const message = userMessage('What is in this picture?');
    (message.content as Array<Record<string, unknown>>).push({
      type: 'input_image',
      image_url: pngDataUrl(16, 16),
      detail: 'auto',
    });
    const transcript: InputItem[] = [message];
    const first = await s.respond(transcript);
    const traffic = () => describeTraffic(proxy);

    const posts = proxy.responsesPosts();
    const withImage = posts.filter((p) => parts(p.body).includes('input_image'));
    // The server refused the image once, with an error status (not a 200 that ignored it).
    expect(withImage.length, traffic()).toBe(1);
    expect(withImage[0]!.status, traffic()).toBeGreaterThanOrEqual(400);
    expect(first.metrics.imagesLeftOut, traffic()).toBe(1);
    expect(parts(posts.at(-1)!.body), traffic()).toEqual(['What is in this picture?', IMAGE_LEFT_OUT]);
    expect(posts.at(-1)!.status, traffic()).toBe(200);
    expect(Object.values(s.capabilities.images ?? {}), traffic()).toEqual([false]);

    // The next turn, the image still in the transcript: not sent again, not refused again.
    proxy.clear();
    transcript.push(...first.output, userMessage('And now?'));
    const second = await s.respond(transcript);
    // (Told once: only for the turn whose message carried the image.)
    expect(second.metrics.imagesLeftOut, traffic()).toBeUndefined();
    expect(parts(proxy.responsesPosts().at(-1)!.body), traffic()).toEqual(['And now?']);
    expect(
      proxy.responsesPosts().filter((p) => (p.status ?? 0) >= 400 && /image/i.test(p.response)),
      traffic(),
    ).toEqual([]);
    expect(
      proxy.responsesPosts().some((p) => p.raw.includes('input_image')),
      traffic(),
    ).toBe(false);
    s.dispose();
  });
});
