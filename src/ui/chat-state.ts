// The chat's state machine (issue 14), apart from VS Code and the webview: which request is
// running, whether it waits for the user's approval or is being stopped, whether the view shows
// it. ChatController feeds it every input (the user's, the agent loop's, the view's) and carries
// out the effects it returns (abort a turn, tell the view); an input the current state does not
// allow is refused here, with a reason and a log line, and changes nothing.
//
//   idle               send ▶ starting · retry ▶ running · compact ▶ compacting · chat.open
//   starting           turn.start ▶ running · send.failed ▶ idle
//   running            approval.asked ▶ awaiting_approval · stop, chat.new ▶ stopping · turn.end ▶ idle
//   awaiting_approval  approval.asked · approval.answered (the last) ▶ running · stop, chat.new ▶ stopping · turn.end ▶ idle
//   stopping           stop (no change) · approval.answered · turn.end ▶ idle
//   compacting         compact.end ▶ idle
//   idle               restore ▶ restoring (checkpoints: files, maybe the conversation, put back)
//   restoring          restore.end ▶ idle
//   any state          chat.new, view.attach, view.detach
//   not idle           queue.add (a message sent while busy waits in the queue)
//   any state          queue.remove, queue.sendNow (idle: sends it now; running: yield at the safe point)
//   → idle             with messages queued and the queue not held ▶ starting, sending the first (queue.send)
//
// One request at a time. A message sent while one runs is queued (issue 15): it is sent when the
// turn ends, one per turn, in order, each a normal turn (▶ starting, as a send). A turn that
// fails, or that the user stopped (Stop, New Chat), holds the queue: nothing more goes on its own;
// the user sends a held message ("Send now") or removes it. "Send now" during a turn moves the
// message to the front and asks the turn to yield at its next safe point (AgentLoop's yieldAt:
// after the running tool calls' outputs are recorded, never mid-response). A turn belongs to the chat it started in:
// New Chat stops it and the view shows the new chat at once, busy until the turn has stopped, with
// nothing of the old turn in it. No vscode import: test/unit/chat-state.test.ts drives it.

export type ChatPhase = 'idle' | 'starting' | 'running' | 'awaiting_approval' | 'stopping' | 'compacting' | 'restoring';

export type ChatInput =
  /** The user sent a message: its attached context is read, and it is saved, before its turn starts. */
  | { type: 'send' }
  /** The message sent is saved: its turn starts. */
  | { type: 'turn.start' }
  /** The message sent could not be saved (the error goes back to the sender): no turn. */
  | { type: 'send.failed' }
  /** Run the model again on the chat as it stands (after an error). */
  | { type: 'retry'; hasChat: boolean }
  /** The user pressed Stop (or ran Warmline: Stop). */
  | { type: 'stop' }
  /** A tool of the running turn asks the user first. */
  | { type: 'approval.asked'; callId: string }
  /** The user answered (or the turn's abort answered "no" for them). */
  | { type: 'approval.answered'; callId: string }
  /** The turn's agent loop returned: answered, failed or cancelled. */
  | { type: 'turn.end'; failed?: boolean }
  /** `/compact`, "Compact Conversation". */
  | { type: 'compact'; hasTranscript: boolean }
  | { type: 'compact.end' }
  /** "Restore workspace to here" or "Undo restore" confirmed: only between turns. */
  | { type: 'restore' }
  | { type: 'restore.end' }
  | { type: 'chat.new' }
  /** A past chat picked from the history. */
  | { type: 'chat.open' }
  /** The webview is ready (first time, or after a reload). */
  | { type: 'view.attach' }
  /** The webview is gone. */
  | { type: 'view.detach' }
  // ---- queue and reload (issue 15) ----
  /** A message sent while busy: it waits in the queue. */
  | { type: 'queue.add'; id: string }
  | { type: 'queue.remove'; id: string }
  /** "Send now" on a queued message. */
  | { type: 'queue.sendNow'; id: string }
  /** Messages queued before a window reload: back in the queue, held. */
  | { type: 'queue.restore'; ids: string[] };

export type ChatEffect =
  /** Abort the running turn (its pending approvals are answered "no" through the abort signal). */
  | { type: 'abort' }
  /** Tell the view a turn started (`assistant.start`): it shows Stop. */
  | { type: 'view.turn.start' }
  /** Tell the view the turn ended (`assistant.end`): it shows Send. */
  | { type: 'view.turn.end' }
  /** Send the view the whole current chat (`chat.load`), the turn merged in if it is shown. */
  | { type: 'view.load'; busy: boolean }
  /** Show the finished compaction (marker, context meter): the chat it ran on is still the one shown. */
  | { type: 'view.compacted' }
  /** An approval asked with no view to show it in: tell the user outside the view. */
  | { type: 'notify.approval'; callId: string }
  /** Send this queued message now (it has left the queue; the machine is in `starting` for it, as after `send`). */
  | { type: 'queue.send'; id: string };

export type ChatOutcome = { ok: true; effects: ChatEffect[] } | { ok: false; reason: string };

export interface TurnState {
  /** Increases with every turn. */
  readonly id: number;
  /** False once the chat shown is another one (New Chat while the turn runs): nothing of it goes to the view. */
  shown: boolean;
  /** Calls waiting for the user's answer, in the order asked. */
  readonly approvals: string[];
  /** "Send now": stop at the next safe point so the first queued message goes next. */
  yielding?: boolean;
}

export const BUSY_REASON = 'A request is already running. Stop it first, or wait for it to finish.';

const TURN_PHASES: readonly ChatPhase[] = ['running', 'awaiting_approval', 'stopping'];

export class ChatState {
  private current: ChatPhase = 'idle';
  private activeTurn?: TurnState;
  private compaction?: { shown: boolean };
  private viewAttached = false;
  private turns = 0;
  /** Queued messages' ids, in the order they will be sent. */
  private readonly waiting: string[] = [];
  /** The queued message being saved (`starting` after queue.send): back to the queue's front if that fails. */
  private sending?: string;
  /** After a failed or stopped turn: the queue waits for the user. */
  private holding = false;
  private readonly log: (message: string) => void;

  constructor(log: (message: string) => void = () => {}) {
    this.log = log;
  }

  get phase(): ChatPhase {
    return this.current;
  }
  /** Anything under way: a new request, retry, compaction or another chat has to wait. */
  get busy(): boolean {
    return this.current !== 'idle';
  }
  /** What the view must show: Stop (true) or Send (false). Only a turn shows Stop. */
  get viewBusy(): boolean {
    return TURN_PHASES.includes(this.current);
  }
  get attached(): boolean {
    return this.viewAttached;
  }
  get turn(): Readonly<TurnState> | undefined {
    return this.activeTurn;
  }
  /** The first approval waiting, for Accept/Reject commands. */
  get pendingApproval(): string | undefined {
    return this.activeTurn?.approvals[0];
  }

  /** Queued messages' ids, in sending order. */
  get queue(): readonly string[] {
    return this.waiting;
  }
  /** The queue waits for the user (a turn failed or was stopped). */
  get held(): boolean {
    return this.holding;
  }

  /** Whether what turn `id` streams goes to the view. */
  shows(id: number): boolean {
    return this.activeTurn?.id === id && this.activeTurn.shown;
  }

  /** Applies an input: its effects in order, or a refusal (logged) that changed nothing. */
  dispatch(input: ChatInput): ChatOutcome {
    const from = this.current;
    const result = this.transition(input);
    if (typeof result === 'string') {
      this.log(`chat: ${input.type}${'callId' in input ? ` ${input.callId}` : ''} refused while ${from}: ${result}`);
      return { ok: false, reason: result };
    }
    return { ok: true, effects: result };
  }

  /** Either the effects of an allowed transition (already applied to the state) or why it is refused. */
  private transition(input: ChatInput): ChatEffect[] | string {
    const phase = this.current;
    switch (input.type) {
      case 'send':
        if (phase === 'compacting')
          return 'Warmline is compacting the conversation. Send your message when it has finished.';
        if (phase === 'restoring')
          return 'Warmline is restoring the workspace. Send your message when it has finished.';
        if (phase !== 'idle') return BUSY_REASON;
        this.current = 'starting';
        return [];

      case 'turn.start':
        if (phase !== 'starting') return 'no message is being sent';
        this.sending = undefined;
        return this.startTurn();

      case 'send.failed':
        if (phase !== 'starting') return 'no message is being sent';
        this.current = 'idle';
        // A queued message that could not be saved is not lost: it waits first again.
        if (this.sending) this.waiting.unshift(this.sending);
        this.sending = undefined;
        this.holding = this.waiting.length > 0;
        return [];

      case 'retry':
        if (phase !== 'idle') return phase === 'compacting' ? 'Warmline is compacting the conversation.' : BUSY_REASON;
        if (!input.hasChat) return 'there is no chat to run again';
        return this.startTurn();

      case 'stop': {
        const turn = this.activeTurn;
        if (phase === 'stopping') return []; // already stopping: pressing Stop again changes nothing
        if (!turn || (phase !== 'running' && phase !== 'awaiting_approval')) {
          return phase === 'starting'
            ? 'the request has not started yet'
            : phase === 'compacting'
              ? 'compaction cannot be stopped'
              : 'there is no request to stop';
        }
        this.current = 'stopping';
        // Stop means stop: a "Send now" asked before is off, and the queue waits for the user.
        turn.yielding = false;
        return [{ type: 'abort' }];
      }

      case 'approval.asked': {
        const turn = this.activeTurn;
        if (phase === 'stopping') return 'the request is being stopped';
        if (!turn || (phase !== 'running' && phase !== 'awaiting_approval')) return 'no request is running';
        if (turn.approvals.includes(input.callId)) return 'that call already waits for an answer';
        turn.approvals.push(input.callId);
        this.current = 'awaiting_approval';
        return this.viewAttached ? [] : [{ type: 'notify.approval', callId: input.callId }];
      }

      case 'approval.answered': {
        const turn = this.activeTurn;
        const at = turn?.approvals.indexOf(input.callId) ?? -1;
        if (!turn || at < 0) return 'no approval waits for that call';
        turn.approvals.splice(at, 1);
        if (phase === 'awaiting_approval' && !turn.approvals.length) this.current = 'running';
        return [];
      }

      case 'turn.end': {
        const turn = this.activeTurn;
        if (!turn) return 'no request is running';
        this.activeTurn = undefined;
        this.current = 'idle';
        // Failed, or stopped by the user (not to yield to a queued message): the queue waits.
        if (input.failed || (phase === 'stopping' && !turn.yielding)) this.holding = this.waiting.length > 0;
        // A turn the view no longer shows ends without a word to it; the view only learns that it
        // may send again, with the chat it shows.
        return [turn.shown ? { type: 'view.turn.end' } : { type: 'view.load', busy: false }, ...this.drain()];
      }

      case 'compact':
        if (phase === 'compacting') return 'Warmline is already compacting the conversation.';
        if (phase !== 'idle') return 'Warmline is answering; compact the conversation when it has finished.';
        if (!input.hasTranscript) return 'There is no conversation to compact yet.';
        this.current = 'compacting';
        this.compaction = { shown: true };
        return [];

      case 'compact.end': {
        if (phase !== 'compacting' || !this.compaction) return 'no compaction is running';
        const { shown } = this.compaction;
        this.compaction = undefined;
        this.current = 'idle';
        return [...(shown ? [{ type: 'view.compacted' } as const] : []), ...this.drain()];
      }

      case 'restore':
        if (phase === 'restoring') return 'Warmline is already restoring the workspace.';
        if (phase !== 'idle') return 'Warmline is busy; restore the workspace when it has finished.';
        this.current = 'restoring';
        return [];

      case 'restore.end':
        if (phase !== 'restoring') return 'no restore is running';
        this.current = 'idle';
        return this.drain();

      case 'chat.new': {
        // Allowed in every state: what runs is stopped (or left to finish, for a compaction or
        // a message being saved) on the chat it belongs to, and the view shows the new chat now.
        const effects: ChatEffect[] = [];
        const turn = this.activeTurn;
        if (turn) {
          turn.shown = false;
          turn.yielding = false;
          if (phase === 'running' || phase === 'awaiting_approval') {
            this.current = 'stopping';
            effects.push({ type: 'abort' });
          }
        }
        if (this.compaction) this.compaction.shown = false;
        effects.push({ type: 'view.load', busy: this.viewBusy });
        return effects;
      }

      case 'chat.open':
        if (phase !== 'idle') return 'Warmline is busy; open another chat when it has finished.';
        return [{ type: 'view.load', busy: false }];

      case 'view.attach':
        this.viewAttached = true;
        return [{ type: 'view.load', busy: this.viewBusy }];

      case 'view.detach':
        if (!this.viewAttached) return 'no view is attached';
        this.viewAttached = false;
        return [];

      // ---- queue and reload (issue 15) ----
      case 'queue.add':
        if (phase === 'idle') return 'nothing is running: the message is sent now';
        if (this.waiting.includes(input.id)) return 'that message is already queued';
        this.waiting.push(input.id);
        return [];

      case 'queue.remove': {
        const at = this.waiting.indexOf(input.id);
        if (at < 0) return 'that message is not queued';
        this.waiting.splice(at, 1);
        if (!this.waiting.length) this.holding = false;
        return [];
      }

      case 'queue.sendNow': {
        const at = this.waiting.indexOf(input.id);
        if (at < 0) return 'that message is not queued';
        this.waiting.splice(at, 1);
        this.waiting.unshift(input.id);
        // The user chose to go on: the queue no longer waits.
        this.holding = false;
        if (this.activeTurn && TURN_PHASES.includes(phase)) this.activeTurn.yielding = true;
        return phase === 'idle' ? this.drain() : [];
      }

      case 'queue.restore':
        if (this.waiting.length) return 'the queue is not empty';
        this.waiting.push(...input.ids);
        this.holding = this.waiting.length > 0;
        return [];
    }
  }

  /** Entering idle: the first queued message is sent now, unless the queue waits for the user. */
  private drain(): ChatEffect[] {
    if (this.current !== 'idle' || !this.waiting.length || this.holding) return [];
    this.current = 'starting';
    this.sending = this.waiting.shift()!;
    return [{ type: 'queue.send', id: this.sending }];
  }

  private startTurn(): ChatEffect[] {
    this.activeTurn = { id: ++this.turns, shown: true, approvals: [] };
    this.current = 'running';
    return [{ type: 'view.turn.start' }];
  }
}
