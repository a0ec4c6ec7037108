// The host's batching of streamed chat messages (src/ui/delta-coalescer.ts), on a fake clock:
// what the view ends up showing is the same as with one message per delta, at every point where
// a message of another kind arrives; the first delta is not delayed; no delta waits longer than
// one interval; a stream gets at most one message per interval.
import { describe, expect, it } from 'vitest';
import { DeltaCoalescer } from '../../src/ui/delta-coalescer.ts';
import type { HostMessage } from '../../src/shared/messages.ts';
import { VirtualClock, coalesceRecorded } from './helpers/virtual-clock.ts';

const INTERVAL = 16;

function setup(): { clock: VirtualClock; coalescer: DeltaCoalescer; sent: { at: number; m: HostMessage }[] } {
  const clock = new VirtualClock();
  const sent: { at: number; m: HostMessage }[] = [];
  const coalescer = new DeltaCoalescer((m) => sent.push({ at: clock.now(), m }), { intervalMs: INTERVAL, clock });
  return { clock, coalescer, sent };
}

const text = (id: string, delta: string): HostMessage => ({ type: 'text.delta', payload: { id, delta } });
const progress = (id: string, chunk: string): HostMessage => ({ type: 'tool.progress', payload: { id, chunk } });
const toolStart = (messageId: string, id: string): HostMessage => ({
  type: 'tool.start',
  payload: { messageId, tool: { id, name: 'grep', summary: id, status: 'running', output: '' } },
});
const toolUpdate = (id: string, status: 'done' | 'awaiting_approval'): HostMessage => ({
  type: 'tool.update',
  payload: { id, status },
});
const end = (id: string, error?: string): HostMessage => ({
  type: 'assistant.end',
  payload: { id, error: error ? { code: 'x', message: error, actions: [] } : undefined },
});

/** What the chat view shows, reduced to its content: per message, text segments and tool cards in order. */
class ViewModel {
  readonly messages = new Map<string, Array<{ text: string } | { tool: string; output: string; status: string }>>();
  private readonly owner = new Map<string, string>();

  apply(m: HostMessage): void {
    const parts = (id: string) => {
      let p = this.messages.get(id);
      if (!p) this.messages.set(id, (p = []));
      return p;
    };
    switch (m.type) {
      case 'assistant.start':
        parts(m.payload.id);
        break;
      case 'text.delta': {
        const p = parts(m.payload.id);
        const last = p.at(-1);
        if (last && 'text' in last) last.text += m.payload.delta;
        else p.push({ text: m.payload.delta });
        break;
      }
      case 'text.reset': {
        const last = parts(m.payload.id).at(-1);
        if (last && 'text' in last) last.text = '';
        break;
      }
      case 'tool.start':
        this.owner.set(m.payload.tool.id, m.payload.messageId);
        parts(m.payload.messageId).push({ tool: m.payload.tool.id, output: '', status: 'running' });
        break;
      case 'tool.progress':
      case 'tool.update': {
        const card = parts(this.owner.get(m.payload.id) ?? '?').find((x) => 'tool' in x && x.tool === m.payload.id);
        if (card && 'tool' in card) {
          if (m.type === 'tool.progress') card.output += m.payload.chunk;
          else card.status = m.payload.status;
        }
        break;
      }
      default:
        break;
    }
  }

  snapshot(): string {
    return JSON.stringify([...this.messages]);
  }
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A turn's worth of host messages with the time (ms) before each: bursts, pauses, tools, resets. */
function randomTurn(seed: number): { gap: number; m: HostMessage }[] {
  const r = rng(seed);
  const out: { gap: number; m: HostMessage }[] = [{ gap: 0, m: { type: 'assistant.start', payload: { id: 'a1' } } }];
  const tools: string[] = [];
  for (let i = 0; i < 400; i++) {
    const gap = r() < 0.7 ? 0 : r() < 0.8 ? Math.floor(r() * 8) : Math.floor(r() * 60);
    const k = r();
    let m: HostMessage;
    if (k < 0.6) m = text('a1', `w${i} `);
    else if (k < 0.75 && tools.length) m = progress(tools[Math.floor(r() * tools.length)] as string, `line ${i}\n`);
    else if (k < 0.8) m = toolStart('a1', `t${tools.push(`t${tools.length}`) - 1}`);
    else if (k < 0.84 && tools.length)
      m = toolUpdate(tools[Math.floor(r() * tools.length)] as string, r() < 0.5 ? 'done' : 'awaiting_approval');
    else if (k < 0.86) m = { type: 'text.reset', payload: { id: 'a1' } };
    else if (k < 0.88) m = { type: 'usage', payload: { used: i, window: 1000 } };
    else m = text('a1', `${i}\n\n`);
    out.push({ gap, m });
  }
  out.push({ gap: 1, m: end('a1') });
  return out;
}

describe('delta coalescer', () => {
  it('sends the first delta at once, with no timer', () => {
    const { clock, coalescer, sent } = setup();
    coalescer.post(text('a1', 'Hello'));
    expect(sent).toEqual([{ at: 0, m: text('a1', 'Hello') }]);
    expect(clock.pendingTimers).toBe(0);
    // After a quiet interval, the next delta goes at once too.
    clock.advance(40);
    coalescer.post(text('a1', ' again'));
    expect(sent.map((s) => s.at)).toEqual([0, 40]);
  });

  it('joins the deltas of one interval into one message, in order, sent when the interval is over', () => {
    const { clock, coalescer, sent } = setup();
    coalescer.post(text('a1', 'a'));
    for (const d of ['b', 'c', 'd']) {
      clock.advance(3);
      coalescer.post(text('a1', d));
    }
    expect(sent).toHaveLength(1);
    expect(coalescer.waiting).toBe(1);
    clock.advance(INTERVAL - 9 - 1);
    expect(sent).toHaveLength(1);
    clock.advance(1);
    expect(sent).toEqual([
      { at: 0, m: text('a1', 'a') },
      { at: INTERVAL, m: text('a1', 'bcd') },
    ]);
    expect(coalescer.waiting).toBe(0);
  });

  it('keeps order when its timer runs late: a delta never overtakes the ones waiting', () => {
    const { clock, coalescer, sent } = setup();
    coalescer.post(text('a1', 'a'));
    clock.advance(5);
    coalescer.post(text('a1', 'b'));
    clock.stall(3 * INTERVAL);
    coalescer.post(text('a1', 'c'));
    clock.advance(0);
    expect(sent.map((s) => s.m)).toEqual([text('a1', 'a'), text('a1', 'bc')]);
  });

  it('keeps each stream apart: text per message, output per tool', () => {
    const { clock, coalescer, sent } = setup();
    coalescer.post(text('a1', 'x'));
    coalescer.post(progress('t1', '1'));
    coalescer.post(text('a1', 'y'));
    coalescer.post(progress('t2', 'A'));
    coalescer.post(progress('t1', '2'));
    clock.advance(INTERVAL);
    expect(sent.map((s) => s.m)).toEqual([text('a1', 'x'), progress('t1', '12'), text('a1', 'y'), progress('t2', 'A')]);
  });

  it('sends what waits before any other message: tool cards, approvals, resets, the end', () => {
    const { clock, coalescer, sent } = setup();
    coalescer.post(text('a1', 'Let me look. '));
    coalescer.post(text('a1', 'Searching'));
    coalescer.post(toolStart('a1', 't1'));
    coalescer.post(progress('t1', 'a.ts:1\n'));
    coalescer.post(progress('t1', 'b.ts:2\n'));
    coalescer.post(toolUpdate('t1', 'awaiting_approval'));
    coalescer.post(text('a1', 'Done'));
    coalescer.post(text('a1', '.'));
    coalescer.post(end('a1'));
    expect(sent.map((s) => s.m)).toEqual([
      text('a1', 'Let me look. '),
      text('a1', 'Searching'),
      toolStart('a1', 't1'),
      progress('t1', 'a.ts:1\nb.ts:2\n'),
      toolUpdate('t1', 'awaiting_approval'),
      text('a1', 'Done.'),
      end('a1'),
    ]);
    expect(sent.every((s) => s.at === 0)).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('sends what waits before an error or a cancelled turn ends, and leaves no timer behind', () => {
    for (const error of ['The connection was lost.', undefined]) {
      const { clock, coalescer, sent } = setup();
      coalescer.post(text('a1', 'partial '));
      coalescer.post(text('a1', 'answer'));
      coalescer.post(end('a1', error));
      expect(sent.map((s) => s.m)).toEqual([text('a1', 'partial '), text('a1', 'answer'), end('a1', error)]);
      expect(clock.pendingTimers).toBe(0);
      clock.advance(100);
      expect(sent).toHaveLength(3);
    }
  });

  it('flush (the view detaching) sends what waits at once; the timer then sends nothing more', () => {
    const { clock, coalescer, sent } = setup();
    coalescer.post(text('a1', 'a'));
    coalescer.post(text('a1', 'b'));
    coalescer.post(progress('t1', 'out'));
    clock.advance(5);
    coalescer.flush();
    expect(sent.map((s) => [s.at, s.m])).toEqual([
      [0, text('a1', 'a')],
      [5, text('a1', 'b')],
      [5, progress('t1', 'out')],
    ]);
    expect(clock.pendingTimers).toBe(0);
    clock.advance(100);
    expect(sent).toHaveLength(3);
    coalescer.flush();
    expect(sent).toHaveLength(3);
  });

  it('does not change the messages it was given', () => {
    const { clock, coalescer } = setup();
    const first = text('a1', 'a');
    const second = text('a1', 'b');
    const third = text('a1', 'c');
    coalescer.post(first);
    coalescer.post(second);
    coalescer.post(third);
    clock.advance(INTERVAL);
    expect([first, second, third]).toEqual([text('a1', 'a'), text('a1', 'b'), text('a1', 'c')]);
  });

  it('turns a burst of 1,500 deltas a second into one message per interval, losing nothing', () => {
    const deltas = Array.from({ length: 1000 }, (_, i) => text('a1', `${i},`));
    const arrivals = deltas.map((_, i) => i / 1.5);
    const posted = coalesceRecorded([...deltas, end('a1')], [...arrivals, 667], INTERVAL);
    const texts = posted.filter((p) => p.m.type === 'text.delta');
    expect(texts.map((p) => (p.m.type === 'text.delta' ? p.m.payload.delta : '')).join('')).toBe(
      deltas.map((d) => (d.type === 'text.delta' ? d.payload.delta : '')).join(''),
    );
    // 666 ms of stream: the first delta at once, then one message every 16 ms.
    expect(texts.length).toBe(1 + Math.ceil(666 / INTERVAL));
    expect(posted.at(-1)?.m).toEqual(end('a1'));
  });

  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`random turn ${seed}: the view shows the same as with one message per delta, whenever another message arrives`, () => {
      const { clock, coalescer, sent } = setup();
      const direct = new ViewModel();
      const batched = new ViewModel();
      let applied = 0;
      const catchUp = () => {
        for (; applied < sent.length; applied++) batched.apply((sent[applied] as { m: HostMessage }).m);
      };
      for (const { gap, m } of randomTurn(seed)) {
        clock.advance(gap);
        catchUp();
        direct.apply(m);
        coalescer.post(m);
        if (m.type !== 'text.delta' && m.type !== 'tool.progress') {
          catchUp();
          expect(batched.snapshot()).toBe(direct.snapshot());
          expect(sent.at(-1)?.m).toBe(m);
        }
      }
      clock.advance(INTERVAL);
      catchUp();
      expect(batched.snapshot()).toBe(direct.snapshot());
      expect(coalescer.waiting).toBe(0);
    });

    it(`random turn ${seed}: one message per stream per interval (unless another message follows), and no delta waits longer than an interval`, () => {
      const { clock, coalescer, sent } = setup();
      const postedAt: { key: string; upTo: number; at: number }[] = [];
      const postedChars = new Map<string, number>();
      const sentChars = new Map<string, { upTo: number; at: number }[]>();
      const streamKey = (m: HostMessage): string | undefined =>
        m.type === 'text.delta' || m.type === 'tool.progress' ? `${m.type}:${m.payload.id}` : undefined;
      const size = (m: HostMessage): number =>
        m.type === 'text.delta' ? m.payload.delta.length : m.type === 'tool.progress' ? m.payload.chunk.length : 0;
      const turn = randomTurn(seed);
      let streamed = 0;
      for (const { gap, m } of turn) {
        clock.advance(gap);
        const key = streamKey(m);
        if (key) {
          streamed++;
          const upTo = (postedChars.get(key) ?? 0) + size(m);
          postedChars.set(key, upTo);
          postedAt.push({ key, upTo, at: clock.now() });
        }
        coalescer.post(m);
      }
      clock.advance(INTERVAL);
      // A message sent early because another message followed at once is the flush before it.
      const forced = (i: number): boolean => {
        for (let j = i + 1; j < sent.length; j++) {
          const next = sent[j] as { m: HostMessage; at: number };
          if (next.at !== (sent[i] as { at: number }).at) return false;
          if (!streamKey(next.m)) return true;
        }
        return false;
      };
      const gaps: number[] = [];
      sent.forEach(({ m, at }, i) => {
        const key = streamKey(m);
        if (!key) return;
        const list = sentChars.get(key) ?? [];
        const before = list.at(-1);
        if (before && !forced(i)) gaps.push(at - before.at);
        list.push({ upTo: (before?.upTo ?? 0) + size(m), at });
        sentChars.set(key, list);
      });
      // Batching happened (the test would prove nothing otherwise).
      expect(sent.length).toBeLessThan(turn.length * 0.8);
      expect([...sentChars.values()].reduce((n, l) => n + l.length, 0)).toBeLessThan(streamed);
      expect(gaps.length).toBeGreaterThan(10);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(INTERVAL);
      for (const p of postedAt) {
        const delivered = (sentChars.get(p.key) ?? []).find((s) => s.upTo >= p.upTo);
        expect(delivered, `${p.key} up to ${p.upTo}`).toBeDefined();
        expect((delivered as { at: number }).at - p.at).toBeLessThanOrEqual(INTERVAL);
      }
    });
  }
});

describe('patch previews', () => {
  const preview = (id: string, n: number): HostMessage => ({
    type: 'tool.preview',
    payload: {
      messageId: 'a1',
      id,
      name: 'apply_patch',
      preview: {
        files: [{ path: 'a.ts', kind: 'update', added: n, removed: 0, lines: [], omitted: 0 }],
        filesOmitted: 0,
      },
    },
  });

  it('a preview is the whole preview so far: within an interval only the latest goes, and a tool card sends it first', () => {
    const { clock, coalescer, sent } = setup();
    coalescer.post(preview('c1', 1)); // the first goes at once
    for (let n = 2; n <= 9; n++) coalescer.post(preview('c1', n));
    expect(sent.map((s) => s.m)).toEqual([preview('c1', 1)]);
    clock.advance(INTERVAL);
    expect(sent.map((s) => s.m)).toEqual([preview('c1', 1), preview('c1', 9)]);
    coalescer.post(preview('c1', 10));
    coalescer.post(preview('c1', 11));
    coalescer.post(toolStart('a1', 'c1'));
    expect(sent.slice(2).map((s) => s.m)).toEqual([preview('c1', 11), toolStart('a1', 'c1')]);
  });
});
