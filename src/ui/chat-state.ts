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
//
// There is no queue: one request at a time, and a message sent while one runs is refused (the
// controller puts its text back in the message box). A turn belongs to the chat it started in:
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
  | { type: 'turn.end' }
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
  | { type: 'view.detach' };

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
  | { type: 'notify.approval'; callId: string };

export type ChatOutcome = { ok: true; effects: ChatEffect[] } | { ok: false; reason: string };

export interface TurnState {
  /** Increases with every turn. */
  readonly id: number;
  /** False once the chat shown is another one (New Chat while the turn runs): nothing of it goes to the view. */
  shown: boolean;
  /** Calls waiting for the user's answer, in the order asked. */
  readonly approvals: string[];
}

export const BUSY_REASON = 'A request is already running. Stop it first, or wait for it to finish.';

const TURN_PHASES: readonly ChatPhase[] = ['running', 'awaiting_approval', 'stopping'];

export class ChatState {
  private current: ChatPhase = 'idle';
  private activeTurn?: TurnState;
  private compaction?: { shown: boolean };
  private viewAttached = false;
  private turns = 0;
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
        return this.startTurn();

      case 'send.failed':
        if (phase !== 'starting') return 'no message is being sent';
        this.current = 'idle';
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
        // A turn the view no longer shows ends without a word to it; the view only learns that it
        // may send again, with the chat it shows.
        return turn.shown ? [{ type: 'view.turn.end' }] : [{ type: 'view.load', busy: false }];
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
        return shown ? [{ type: 'view.compacted' }] : [];
      }

      case 'restore':
        if (phase === 'restoring') return 'Warmline is already restoring the workspace.';
        if (phase !== 'idle') return 'Warmline is busy; restore the workspace when it has finished.';
        this.current = 'restoring';
        return [];

      case 'restore.end':
        if (phase !== 'restoring') return 'no restore is running';
        this.current = 'idle';
        return [];

      case 'chat.new': {
        // Allowed in every state: what runs is stopped (or left to finish, for a compaction or
        // a message being saved) on the chat it belongs to, and the view shows the new chat now.
        const effects: ChatEffect[] = [];
        const turn = this.activeTurn;
        if (turn) {
          turn.shown = false;
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
    }
  }

  private startTurn(): ChatEffect[] {
    this.activeTurn = { id: ++this.turns, shown: true, approvals: [] };
    this.current = 'running';
    return [{ type: 'view.turn.start' }];
  }
}
