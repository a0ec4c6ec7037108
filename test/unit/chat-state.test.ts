// The chat's state machine (src/ui/chat-state.ts) in plain Node: every allowed transition with
// its effects, every other input refused (logged, nothing changed), and long random sequences of
// inputs, legal or not, checked after each step against what must always hold: one turn at a
// time, the view told what the machine is in, no message sent lost, approvals accounted for.
import { describe, expect, it } from 'vitest';
import { BUSY_REASON, ChatState } from '../../src/ui/chat-state.ts';
import type { ChatEffect, ChatInput, ChatOutcome, ChatPhase } from '../../src/ui/chat-state.ts';

const PHASES: ChatPhase[] = ['idle', 'starting', 'running', 'awaiting_approval', 'stopping', 'compacting', 'restoring'];

function machine(): { m: ChatState; log: string[] } {
  const log: string[] = [];
  return { m: new ChatState((line) => log.push(line)), log };
}

function ok(outcome: ChatOutcome): ChatEffect[] {
  if (!outcome.ok) throw new Error(`refused: ${outcome.reason}`);
  return outcome.effects;
}

/** A machine brought to `phase` by legal inputs, with the view attached (unless said otherwise). */
function at(
  phase: ChatPhase,
  options: { attached?: boolean; approvals?: string[] } = {},
): { m: ChatState; log: string[] } {
  const { m, log } = machine();
  if (options.attached !== false) ok(m.dispatch({ type: 'view.attach' }));
  const approvals = options.approvals ?? (phase === 'awaiting_approval' ? ['c1'] : []);
  const turn = () => {
    ok(m.dispatch({ type: 'send' }));
    ok(m.dispatch({ type: 'turn.start' }));
    for (const callId of approvals) ok(m.dispatch({ type: 'approval.asked', callId }));
  };
  switch (phase) {
    case 'idle':
      break;
    case 'starting':
      ok(m.dispatch({ type: 'send' }));
      break;
    case 'running':
      ok(m.dispatch({ type: 'send' }));
      ok(m.dispatch({ type: 'turn.start' }));
      break;
    case 'awaiting_approval':
      turn();
      break;
    case 'stopping':
      turn();
      ok(m.dispatch({ type: 'stop' }));
      break;
    case 'compacting':
      ok(m.dispatch({ type: 'compact', hasTranscript: true }));
      break;
    case 'restoring':
      ok(m.dispatch({ type: 'restore' }));
      break;
  }
  expect(m.phase).toBe(phase);
  log.length = 0;
  return { m, log };
}

function snapshot(m: ChatState): unknown {
  return JSON.parse(
    JSON.stringify({
      phase: m.phase,
      busy: m.busy,
      viewBusy: m.viewBusy,
      attached: m.attached,
      turn: m.turn ?? null,
      pending: m.pendingApproval ?? null,
      queue: m.queue,
      held: m.held,
    }),
  );
}

describe('chat state: allowed transitions and their effects', () => {
  const cases: Array<{
    from: ChatPhase;
    input: ChatInput;
    to: ChatPhase;
    effects: ChatEffect[];
    attached?: boolean;
    approvals?: string[];
  }> = [
    { from: 'idle', input: { type: 'send' }, to: 'starting', effects: [] },
    { from: 'idle', input: { type: 'retry', hasChat: true }, to: 'running', effects: [{ type: 'view.turn.start' }] },
    { from: 'idle', input: { type: 'compact', hasTranscript: true }, to: 'compacting', effects: [] },
    { from: 'idle', input: { type: 'chat.open' }, to: 'idle', effects: [{ type: 'view.load', busy: false }] },
    { from: 'idle', input: { type: 'chat.new' }, to: 'idle', effects: [{ type: 'view.load', busy: false }] },
    { from: 'starting', input: { type: 'turn.start' }, to: 'running', effects: [{ type: 'view.turn.start' }] },
    { from: 'starting', input: { type: 'send.failed' }, to: 'idle', effects: [] },
    // The message being saved goes on, into the new chat (as it always has).
    { from: 'starting', input: { type: 'chat.new' }, to: 'starting', effects: [{ type: 'view.load', busy: false }] },
    { from: 'running', input: { type: 'approval.asked', callId: 'c1' }, to: 'awaiting_approval', effects: [] },
    {
      from: 'running',
      input: { type: 'approval.asked', callId: 'c1' },
      to: 'awaiting_approval',
      effects: [{ type: 'notify.approval', callId: 'c1' }],
      attached: false,
    },
    { from: 'running', input: { type: 'stop' }, to: 'stopping', effects: [{ type: 'abort' }] },
    {
      from: 'running',
      input: { type: 'chat.new' },
      to: 'stopping',
      effects: [{ type: 'abort' }, { type: 'view.load', busy: true }],
    },
    { from: 'running', input: { type: 'turn.end' }, to: 'idle', effects: [{ type: 'view.turn.end' }] },
    {
      from: 'awaiting_approval',
      input: { type: 'approval.asked', callId: 'c2' },
      to: 'awaiting_approval',
      effects: [],
    },
    { from: 'awaiting_approval', input: { type: 'approval.answered', callId: 'c1' }, to: 'running', effects: [] },
    {
      from: 'awaiting_approval',
      input: { type: 'approval.answered', callId: 'c1' },
      to: 'awaiting_approval',
      effects: [],
      approvals: ['c1', 'c2'],
    },
    { from: 'awaiting_approval', input: { type: 'stop' }, to: 'stopping', effects: [{ type: 'abort' }] },
    {
      from: 'awaiting_approval',
      input: { type: 'chat.new' },
      to: 'stopping',
      effects: [{ type: 'abort' }, { type: 'view.load', busy: true }],
    },
    { from: 'awaiting_approval', input: { type: 'turn.end' }, to: 'idle', effects: [{ type: 'view.turn.end' }] },
    { from: 'stopping', input: { type: 'stop' }, to: 'stopping', effects: [] },
    {
      from: 'stopping',
      input: { type: 'approval.answered', callId: 'c1' },
      to: 'stopping',
      effects: [],
      approvals: ['c1'],
    },
    { from: 'stopping', input: { type: 'chat.new' }, to: 'stopping', effects: [{ type: 'view.load', busy: true }] },
    { from: 'stopping', input: { type: 'turn.end' }, to: 'idle', effects: [{ type: 'view.turn.end' }] },
    { from: 'compacting', input: { type: 'compact.end' }, to: 'idle', effects: [{ type: 'view.compacted' }] },
    { from: 'idle', input: { type: 'restore' }, to: 'restoring', effects: [] },
    { from: 'restoring', input: { type: 'restore.end' }, to: 'idle', effects: [] },
    {
      from: 'compacting',
      input: { type: 'chat.new' },
      to: 'compacting',
      effects: [{ type: 'view.load', busy: false }],
    },
    ...PHASES.map((from) => ({
      from,
      input: { type: 'view.attach' } as const,
      to: from,
      effects: [{ type: 'view.load' as const, busy: ['running', 'awaiting_approval', 'stopping'].includes(from) }],
    })),
    ...PHASES.map((from) => ({
      from,
      input: { type: 'view.attach' } as const,
      to: from,
      effects: [{ type: 'view.load' as const, busy: ['running', 'awaiting_approval', 'stopping'].includes(from) }],
      attached: false,
    })),
    ...PHASES.map((from) => ({ from, input: { type: 'view.detach' } as const, to: from, effects: [] })),
  ];
  for (const c of cases) {
    const approvals = c.approvals ? ` (approvals ${c.approvals.join(', ')})` : '';
    it(`${c.from}${c.attached === false ? ' (no view)' : ''}${approvals} --${c.input.type}--> ${c.to}: ${c.effects.map((e) => e.type).join(', ') || 'no effect'}`, () => {
      const { m, log } = at(c.from, { attached: c.attached, approvals: c.approvals });
      expect(ok(m.dispatch(c.input))).toEqual(c.effects);
      expect(m.phase).toBe(c.to);
      expect(m.busy).toBe(c.to !== 'idle');
      expect(log).toEqual([]);
    });
  }

  it('a turn stopped by New Chat is no longer shown, ends without assistant.end, and the view is reloaded not busy', () => {
    const { m } = at('running');
    const id = m.turn!.id;
    expect(m.shows(id)).toBe(true);
    ok(m.dispatch({ type: 'chat.new' }));
    expect(m.shows(id)).toBe(false);
    expect(m.viewBusy).toBe(true);
    // Stopping (the abort answers its approvals) does not show it again; nor does a view attaching.
    expect(ok(m.dispatch({ type: 'view.attach' }))).toEqual([{ type: 'view.load', busy: true }]);
    expect(m.shows(id)).toBe(false);
    expect(ok(m.dispatch({ type: 'turn.end' }))).toEqual([{ type: 'view.load', busy: false }]);
    expect(m.turn).toBeUndefined();
  });

  it('a compaction that ends after New Chat is not shown', () => {
    const { m } = at('compacting');
    ok(m.dispatch({ type: 'chat.new' }));
    expect(ok(m.dispatch({ type: 'compact.end' }))).toEqual([]);
    expect(m.phase).toBe('idle');
  });

  it('each turn has its own number, and only the current one is shown', () => {
    const { m } = at('running');
    const first = m.turn!.id;
    ok(m.dispatch({ type: 'turn.end' }));
    ok(m.dispatch({ type: 'retry', hasChat: true }));
    expect(m.turn!.id).toBeGreaterThan(first);
    expect(m.shows(first)).toBe(false);
    expect(m.shows(m.turn!.id)).toBe(true);
  });

  it('approvals are answered in any order; the first waiting is offered to Accept/Reject', () => {
    const { m } = at('awaiting_approval', { approvals: ['c1', 'c2', 'c3'] });
    expect(m.pendingApproval).toBe('c1');
    ok(m.dispatch({ type: 'approval.answered', callId: 'c2' }));
    expect(m.pendingApproval).toBe('c1');
    ok(m.dispatch({ type: 'approval.answered', callId: 'c1' }));
    expect(m.pendingApproval).toBe('c3');
    expect(m.phase).toBe('awaiting_approval');
    ok(m.dispatch({ type: 'approval.answered', callId: 'c3' }));
    expect(m.phase).toBe('running');
    expect(m.pendingApproval).toBeUndefined();
  });

  it('a turn that ends with approvals still waiting leaves none behind', () => {
    const { m } = at('awaiting_approval', { approvals: ['c1', 'c2'] });
    ok(m.dispatch({ type: 'turn.end' }));
    expect(m.pendingApproval).toBeUndefined();
    ok(m.dispatch({ type: 'retry', hasChat: true }));
    expect(m.dispatch({ type: 'approval.answered', callId: 'c1' }).ok).toBe(false);
  });
});

describe('chat state: the queue (issue 15)', () => {
  it('a message sent while a turn runs waits, and is sent (▶ starting) when the turn ends, one per turn, in order', () => {
    const { m } = at('running');
    ok(m.dispatch({ type: 'queue.add', id: 'q1' }));
    ok(m.dispatch({ type: 'queue.add', id: 'q2' }));
    expect(m.queue).toEqual(['q1', 'q2']);
    expect(ok(m.dispatch({ type: 'turn.end' }))).toEqual([{ type: 'view.turn.end' }, { type: 'queue.send', id: 'q1' }]);
    expect(m.phase).toBe('starting');
    expect(m.queue).toEqual(['q2']);
    // A second turn cannot start meanwhile: the queued message is being sent.
    expect(m.dispatch({ type: 'send' }).ok).toBe(false);
    expect(m.dispatch({ type: 'retry', hasChat: true }).ok).toBe(false);
    ok(m.dispatch({ type: 'turn.start' }));
    expect(ok(m.dispatch({ type: 'turn.end' }))).toEqual([{ type: 'view.turn.end' }, { type: 'queue.send', id: 'q2' }]);
    ok(m.dispatch({ type: 'turn.start' }));
    expect(ok(m.dispatch({ type: 'turn.end' }))).toEqual([{ type: 'view.turn.end' }]);
    expect(m.phase).toBe('idle');
  });

  it('a turn that fails holds the queue: nothing is sent until the user says so', () => {
    const { m } = at('running');
    ok(m.dispatch({ type: 'queue.add', id: 'q1' }));
    ok(m.dispatch({ type: 'queue.add', id: 'q2' }));
    expect(ok(m.dispatch({ type: 'turn.end', failed: true }))).toEqual([{ type: 'view.turn.end' }]);
    expect(m.phase).toBe('idle');
    expect(m.held).toBe(true);
    // "Send now" on the second one: it goes first, now; the queue no longer waits.
    expect(ok(m.dispatch({ type: 'queue.sendNow', id: 'q2' }))).toEqual([{ type: 'queue.send', id: 'q2' }]);
    expect(m.held).toBe(false);
    ok(m.dispatch({ type: 'turn.start' }));
    expect(ok(m.dispatch({ type: 'turn.end' }))).toEqual([{ type: 'view.turn.end' }, { type: 'queue.send', id: 'q1' }]);
  });

  it('Stop or New Chat holds the queue; removing the last message lets it go again', () => {
    for (const input of [{ type: 'stop' }, { type: 'chat.new' }] as const) {
      const { m } = at('running');
      ok(m.dispatch({ type: 'queue.add', id: 'q1' }));
      ok(m.dispatch(input));
      expect(ok(m.dispatch({ type: 'turn.end' })).some((e) => e.type === 'queue.send')).toBe(false);
      expect(m.held).toBe(true);
      expect(m.queue).toEqual(['q1']);
      ok(m.dispatch({ type: 'queue.remove', id: 'q1' }));
      expect(m.held).toBe(false);
    }
  });

  it('"Send now" during a turn asks it to yield, and the message goes next (before those queued earlier)', () => {
    const { m } = at('awaiting_approval');
    ok(m.dispatch({ type: 'queue.add', id: 'q1' }));
    ok(m.dispatch({ type: 'queue.add', id: 'q2' }));
    expect(ok(m.dispatch({ type: 'queue.sendNow', id: 'q2' }))).toEqual([]);
    expect(m.turn!.yielding).toBe(true);
    expect(m.phase).toBe('awaiting_approval'); // no abort: the loop stops at its safe point
    ok(m.dispatch({ type: 'approval.answered', callId: 'c1' }));
    expect(ok(m.dispatch({ type: 'turn.end' }))).toEqual([{ type: 'view.turn.end' }, { type: 'queue.send', id: 'q2' }]);
    expect(m.queue).toEqual(['q1']);
  });

  it('a Stop during "Send now" stops, and loses nothing: the message waits first in the held queue', () => {
    const { m } = at('running');
    ok(m.dispatch({ type: 'queue.add', id: 'q1' }));
    ok(m.dispatch({ type: 'queue.sendNow', id: 'q1' }));
    expect(ok(m.dispatch({ type: 'stop' }))).toEqual([{ type: 'abort' }]);
    expect(m.turn!.yielding).toBe(false);
    expect(ok(m.dispatch({ type: 'turn.end' }))).toEqual([{ type: 'view.turn.end' }]);
    expect(m.queue).toEqual(['q1']);
    expect(m.held).toBe(true);
    // "Send now" while stopping: sent as soon as the turn has stopped.
    const s = at('stopping').m;
    ok(s.dispatch({ type: 'queue.add', id: 'q1' }));
    ok(s.dispatch({ type: 'queue.sendNow', id: 'q1' }));
    expect(ok(s.dispatch({ type: 'turn.end' }))).toEqual([{ type: 'view.turn.end' }, { type: 'queue.send', id: 'q1' }]);
  });

  it('a compaction or restore that ends sends what was queued meanwhile', () => {
    for (const [phase, end] of [
      ['compacting', 'compact.end'],
      ['restoring', 'restore.end'],
    ] as const) {
      const { m } = at(phase);
      ok(m.dispatch({ type: 'queue.add', id: 'q1' }));
      expect(ok(m.dispatch({ type: end })).at(-1)).toEqual({ type: 'queue.send', id: 'q1' });
      expect(m.phase).toBe('starting');
    }
  });

  it('messages queued before a window reload come back held; a message that could not be saved holds the queue', () => {
    const { m } = at('idle');
    ok(m.dispatch({ type: 'queue.restore', ids: ['q1', 'q2'] }));
    expect(m.held).toBe(true);
    expect(m.phase).toBe('idle');
    expect(m.dispatch({ type: 'queue.restore', ids: ['q3'] }).ok).toBe(false);
    const s = at('running').m;
    ok(s.dispatch({ type: 'queue.add', id: 'q1' }));
    ok(s.dispatch({ type: 'turn.end' }));
    expect(ok(s.dispatch({ type: 'queue.add', id: 'q2' }))).toEqual([]);
    expect(ok(s.dispatch({ type: 'send.failed' }))).toEqual([]);
    expect(s.held).toBe(true);
    // q1 could not be saved: it is not lost, it waits first.
    expect(s.queue).toEqual(['q1', 'q2']);
  });
});

describe('chat state: refusals', () => {
  // Which phases allow each input, written out here independently of the implementation.
  const allowed: Record<ChatInput['type'], ChatPhase[]> = {
    'send': ['idle'],
    'turn.start': ['starting'],
    'send.failed': ['starting'],
    'retry': ['idle'],
    'stop': ['running', 'awaiting_approval', 'stopping'],
    'approval.asked': ['running', 'awaiting_approval'],
    'approval.answered': ['awaiting_approval', 'stopping'], // with that call waiting
    'turn.end': ['running', 'awaiting_approval', 'stopping'],
    'compact': ['idle'],
    'compact.end': ['compacting'],
    'restore': ['idle'],
    'restore.end': ['restoring'],
    'chat.new': PHASES,
    'chat.open': ['idle'],
    'view.attach': PHASES,
    'view.detach': PHASES, // with a view attached
    'queue.add': PHASES.filter((p) => p !== 'idle'),
    'queue.remove': [], // q9 is not queued
    'queue.sendNow': [], // q9 is not queued
    'queue.restore': PHASES, // the queue is empty
  };
  const inputs: ChatInput[] = [
    { type: 'send' },
    { type: 'turn.start' },
    { type: 'send.failed' },
    { type: 'retry', hasChat: true },
    { type: 'stop' },
    { type: 'approval.asked', callId: 'c9' },
    { type: 'approval.answered', callId: 'c1' },
    { type: 'turn.end' },
    { type: 'compact', hasTranscript: true },
    { type: 'compact.end' },
    { type: 'restore' },
    { type: 'restore.end' },
    { type: 'chat.new' },
    { type: 'chat.open' },
    { type: 'view.attach' },
    { type: 'view.detach' },
    { type: 'queue.add', id: 'q1' },
    { type: 'queue.remove', id: 'q9' },
    { type: 'queue.sendNow', id: 'q9' },
    { type: 'queue.restore', ids: ['q5'] },
  ];
  for (const phase of PHASES) {
    for (const input of inputs) {
      const allow = allowed[input.type].includes(phase);
      it(`${phase}: ${input.type} is ${allow ? 'allowed' : 'refused, logged, and changes nothing'}`, () => {
        // In stopping, c1 still waits (asked before Stop), so answering it is allowed.
        const { m, log } = at(phase, {
          approvals: phase === 'awaiting_approval' || phase === 'stopping' ? ['c1'] : [],
        });
        const before = snapshot(m);
        const outcome = m.dispatch(input);
        expect(outcome.ok).toBe(allow);
        if (!outcome.ok) {
          expect(outcome.reason).not.toBe('');
          expect(snapshot(m)).toEqual(before);
          expect(log).toHaveLength(1);
          expect(log[0]).toContain(`${input.type}`);
          expect(log[0]).toContain(`while ${phase}`);
          expect(log[0]).toContain(outcome.reason);
        }
      });
    }
  }

  it('a second send while a request starts or runs is refused with the message the sender shows', () => {
    for (const phase of ['starting', 'running', 'awaiting_approval', 'stopping'] as const) {
      const outcome = at(phase).m.dispatch({ type: 'send' });
      expect(outcome).toEqual({ ok: false, reason: BUSY_REASON });
    }
    const compacting = at('compacting').m.dispatch({ type: 'send' });
    expect(compacting.ok === false && compacting.reason).toMatch(/compacting/);
  });

  it('refuses what the data does not allow: retry without a chat, compacting an empty one', () => {
    const { m, log } = at('idle');
    expect(m.dispatch({ type: 'retry', hasChat: false })).toEqual({
      ok: false,
      reason: 'there is no chat to run again',
    });
    expect(m.dispatch({ type: 'compact', hasTranscript: false })).toEqual({
      ok: false,
      reason: 'There is no conversation to compact yet.',
    });
    expect(m.phase).toBe('idle');
    expect(log).toHaveLength(2);
  });

  it('compacting while answering or compacting says which', () => {
    expect(at('running').m.dispatch({ type: 'compact', hasTranscript: true })).toEqual({
      ok: false,
      reason: 'Warmline is answering; compact the conversation when it has finished.',
    });
    expect(at('compacting').m.dispatch({ type: 'compact', hasTranscript: true })).toEqual({
      ok: false,
      reason: 'Warmline is already compacting the conversation.',
    });
  });

  it('refuses an approval asked twice, an answer nobody waits for, a detach with no view', () => {
    const { m, log } = at('awaiting_approval', { approvals: ['c1'] });
    expect(m.dispatch({ type: 'approval.asked', callId: 'c1' }).ok).toBe(false);
    expect(m.dispatch({ type: 'approval.answered', callId: 'c2' }).ok).toBe(false);
    expect(m.phase).toBe('awaiting_approval');
    expect(m.pendingApproval).toBe('c1');
    const detached = at('idle', { attached: false }).m;
    expect(detached.dispatch({ type: 'view.detach' }).ok).toBe(false);
    expect(log).toHaveLength(2);
  });

  it('an approval asked once the turn is being stopped is refused (the tool is told no)', () => {
    const { m } = at('stopping');
    expect(m.dispatch({ type: 'approval.asked', callId: 'c7' })).toEqual({
      ok: false,
      reason: 'the request is being stopped',
    });
    expect(m.pendingApproval).toBeUndefined();
  });
});

// ---------- random sequences ----------

/** A small seeded generator (mulberry32): a failing sequence can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomInput(next: () => number, ids: { fresh(): string; known(): string }): ChatInput {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const callId = pick(['c1', 'c2', 'c3']);
  return pick<ChatInput>([
    { type: 'queue.add', id: ids.fresh() },
    { type: 'queue.add', id: ids.fresh() },
    { type: 'queue.remove', id: ids.known() },
    { type: 'queue.sendNow', id: ids.known() },
    { type: 'queue.restore', ids: [ids.fresh(), ids.fresh()] },
    { type: 'turn.end', failed: true },
    { type: 'send' },
    { type: 'send' },
    { type: 'turn.start' },
    { type: 'send.failed' },
    { type: 'retry', hasChat: next() < 0.8 },
    { type: 'stop' },
    { type: 'approval.asked', callId },
    { type: 'approval.asked', callId },
    { type: 'approval.answered', callId },
    { type: 'approval.answered', callId },
    { type: 'turn.end' },
    { type: 'turn.end' },
    { type: 'compact', hasTranscript: next() < 0.8 },
    { type: 'compact.end' },
    { type: 'restore' },
    { type: 'restore.end' },
    { type: 'chat.new' },
    { type: 'chat.open' },
    { type: 'view.attach' },
    { type: 'view.detach' },
  ]);
}

/**
 * What the webview would hold, from the effects the controller carries out: messages reach it only
 * while it is attached; attaching sends it the whole chat.
 */
class FakeView {
  attached = false;
  busy = false;
  apply(effect: ChatEffect): void {
    if (!this.attached) return;
    if (effect.type === 'view.turn.start') this.busy = true;
    else if (effect.type === 'view.turn.end') this.busy = false;
    else if (effect.type === 'view.load') this.busy = effect.busy;
  }
}

function runSequence(seed: number, steps: number): { phases: Set<ChatPhase>; accepted: number } {
  const next = random(seed);
  const log: string[] = [];
  const m = new ChatState((line) => log.push(line));
  const view = new FakeView();
  // The test's own account, kept from the inputs accepted, to check the machine against.
  let turnsRunning = 0;
  let sendsWaiting = 0;
  let sendsAccepted = 0;
  let sendsSettled = 0;
  let abortsThisTurn = 0;
  const pending = new Set<string>();
  const hidden = new Set<number>();
  const phases = new Set<ChatPhase>();
  let accepted = 0;
  const trail: string[] = [];
  // The queue as the test keeps it: ids added (or restored), in sending order; and each id's fate.
  let queued: string[] = [];
  let made = 0;
  const added = new Set<string>();
  const removed = new Set<string>();
  const sent = new Set<string>();
  let sending: string | undefined;
  const ids = {
    fresh: () => `q${++made}`,
    known: () => `q${1 + Math.floor(next() * Math.max(made, 1))}`,
  };

  for (let step = 0; step < steps; step++) {
    const input = randomInput(next, ids);
    const before = snapshot(m);
    const prev = m.phase;
    const turnBefore = m.turn?.id;
    const logged = log.length;
    const outcome = m.dispatch(input);
    trail.push(
      `${prev} --${input.type}${'callId' in input ? ` ${input.callId}` : ''}--> ${outcome.ok ? m.phase : 'refused'}`,
    );
    const where = `seed ${seed}, step ${step}:\n  ${trail.slice(-8).join('\n  ')}`;
    const check = (cond: boolean, what: string) => {
      if (!cond) throw new Error(`${what} (${where})`);
    };

    if (!outcome.ok) {
      check(outcome.reason.length > 0, 'a refusal says why');
      check(log.length === logged + 1, 'a refusal is logged once');
      check(JSON.stringify(snapshot(m)) === JSON.stringify(before), 'a refusal changes nothing');
    } else {
      accepted++;
      check(log.length === logged, 'nothing logged for an allowed input');
      if (input.type === 'view.attach') view.attached = true;
      for (const e of outcome.effects) view.apply(e);
      if (input.type === 'view.detach') view.attached = false;
      const aborts = outcome.effects.filter((e) => e.type === 'abort').length;
      abortsThisTurn += aborts;
      if (aborts)
        check(m.phase === 'stopping' && prev !== 'stopping', 'an abort stops a turn that was not yet stopping');
      switch (input.type) {
        case 'queue.add':
          queued.push(input.id);
          added.add(input.id);
          break;
        case 'queue.restore':
          queued.push(...input.ids);
          for (const id of input.ids) added.add(id);
          break;
        case 'queue.remove':
          queued = queued.filter((id) => id !== input.id);
          removed.add(input.id);
          break;
        case 'queue.sendNow':
          queued = [input.id, ...queued.filter((id) => id !== input.id)];
          break;
        default:
          break;
      }
      // A queued message sent: the first one, and it is being saved like a message sent (starting).
      for (const e of outcome.effects) {
        if (e.type !== 'queue.send') continue;
        check(e.id === queued[0], `the queue drains in order (${e.id}, expected ${queued[0]})`);
        check(m.phase === 'starting', 'a queued message sent puts the machine in starting');
        queued.shift();
        sent.add(e.id);
        sending = e.id;
        sendsWaiting++;
        sendsAccepted++;
      }
      check(outcome.effects.filter((e) => e.type === 'queue.send').length <= 1, 'one queued message at a time');
      switch (input.type) {
        case 'send':
          sendsWaiting++;
          sendsAccepted++;
          break;
        case 'turn.start':
          sending = undefined;
          sendsWaiting--;
          sendsSettled++;
          turnsRunning++;
          abortsThisTurn = 0;
          break;
        case 'send.failed':
          // A queued message that could not be saved goes back to the front of the queue.
          if (sending) {
            queued.unshift(sending);
            sent.delete(sending);
          }
          sending = undefined;
          sendsWaiting--;
          sendsSettled++;
          break;
        case 'retry':
          turnsRunning++;
          abortsThisTurn = 0;
          break;
        case 'turn.end':
          turnsRunning--;
          pending.clear();
          break;
        case 'approval.asked':
          pending.add(input.callId);
          break;
        case 'approval.answered':
          pending.delete(input.callId);
          break;
        case 'chat.new':
          if (turnBefore !== undefined) hidden.add(turnBefore);
          break;
        default:
          break;
      }
      check(
        outcome.effects.every((e) => e.type !== 'notify.approval') || (input.type === 'approval.asked' && !m.attached),
        'the user is notified outside the view only when there is none',
      );
    }
    phases.add(m.phase);

    // One turn at a time, and the machine agrees with the account.
    check(turnsRunning === 0 || turnsRunning === 1, `never two turns (${turnsRunning})`);
    check((m.turn !== undefined) === (turnsRunning === 1), 'the machine has a turn exactly when one runs');
    check(abortsThisTurn <= 1, 'a turn is aborted at most once');
    // No message lost: one sent is being saved until it becomes a turn or fails, never dropped.
    check(sendsWaiting === (m.phase === 'starting' ? 1 : 0), 'a message being saved keeps the machine in starting');
    check(
      sendsAccepted === sendsSettled + sendsWaiting,
      'every message accepted became a turn, failed visibly, or is still being saved',
    );
    if (prev === 'starting' && input.type !== 'turn.start' && input.type !== 'send.failed')
      check(m.phase === 'starting', 'only the send itself leaves starting');
    // The view shows what the machine is in.
    if (view.attached)
      check(view.busy === m.viewBusy, `the view shows ${view.busy ? 'Stop' : 'Send'} while the machine is ${m.phase}`);
    check(view.attached === m.attached, 'the machine knows whether a view is attached');
    check(m.busy === (m.phase !== 'idle'), 'busy is "not idle"');
    check(m.viewBusy === (m.turn !== undefined), 'the view shows Stop exactly while a turn exists');
    // A turn moved off the view stays off it, and is being stopped.
    if (m.turn) {
      if (hidden.has(m.turn.id))
        check(
          !m.shows(m.turn.id) && m.phase === 'stopping',
          'a turn New Chat moved off the view is not shown, and stops',
        );
      if (m.phase === 'running' || m.phase === 'awaiting_approval')
        check(m.shows(m.turn.id), 'a running turn is shown');
    }
    // Approvals: the ones asked and not answered, and the phase says so.
    check(
      JSON.stringify([...(m.turn?.approvals ?? [])].sort()) === JSON.stringify([...pending].sort()),
      'approvals waiting match those asked and not answered',
    );
    if (m.phase === 'running') check(pending.size === 0, 'running has no approval waiting');
    if (m.phase === 'awaiting_approval') check(pending.size > 0, 'awaiting_approval has one waiting');
    // The queue: as the test kept it; nothing lost; never idle with a queue that is not waiting for the user.
    check(JSON.stringify(m.queue) === JSON.stringify(queued), `the queue is ${queued.join(',')}`);
    check(
      [...added].every((id) => queued.includes(id) !== (removed.has(id) || sent.has(id))),
      'every message queued is still queued, or was removed by the user, or was sent: none lost, none twice',
    );
    check(!m.held || m.queue.length > 0, 'only a queue with messages waits');
    if (m.phase === 'idle')
      check(m.queue.length === 0 || m.held, 'idle with messages queued only while they wait for the user');
  }
  return { phases, accepted };
}

describe('chat state: random sequences', () => {
  it('hold every invariant over 500 sequences of 200 inputs, reaching every state', () => {
    const reached = new Set<ChatPhase>();
    let accepted = 0;
    for (let seed = 1; seed <= 500; seed++) {
      const r = runSequence(seed, 200);
      for (const p of r.phases) reached.add(p);
      accepted += r.accepted;
    }
    expect([...reached].sort()).toEqual([...PHASES].sort());
    // The sequences are not mostly refusals: they go deep.
    expect(accepted).toBeGreaterThan(500 * 200 * 0.25);
  });
});
