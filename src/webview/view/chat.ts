// The conversation log. Long chats stay light: every entry keeps its <article>, but only entries
// near the viewport are built. One IntersectionObserver builds entries that come within 1.5
// screens; a second, wider one turns entries more than 4 screens away back into placeholders of
// their measured height. A 500-message chat therefore has a few dozen built entries at most,
// and loading it costs 500 empty boxes, not 500 markdown renders.
import type {
  ChatEntryView,
  ErrorView,
  HostMessages,
  RestorePlanView,
  ToolCardView,
  TurnFigures,
} from '../../shared/messages.ts';
import { h, icon } from '../dom.ts';
import type { FrameQueue } from '../dom.ts';
import type { Post } from '../protocol.ts';
import type { BodyFactory, BodyHost } from '../render/streaming.ts';
import type { LazyEntry } from './entry.ts';
import { AssistantEntry, CompactionEntry, RestoreEntry, UserEntry } from './messages.ts';
import { restorePlanView } from './restore.ts';
import type { EntryContext } from './messages.ts';

export interface ChatLogOptions {
  post: Post;
  queue: FrameQueue;
  createBody: BodyFactory;
  /** Build entries only near the viewport (off only for the benchmark's baseline). */
  lazy: boolean;
}

const PIN_SLACK_PX = 40;

export class ChatLog {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;
  private readonly welcome: HTMLElement;
  private readonly ctx: EntryContext;
  private readonly lazy: boolean;
  private entries: LazyEntry[] = [];
  private readonly byId = new Map<string, LazyEntry>();
  private readonly byElement = new WeakMap<Element, LazyEntry>();
  private readonly toolOwner = new Map<string, AssistantEntry>();
  private pinnedToBottom = true;
  /** Checkpoints: the turns that can be restored, the restore Undo would undo, the plan shown. */
  private checkpoints: HostMessages['checkpoints'] = { turns: [] };
  private plan: HTMLElement | undefined;
  private near: IntersectionObserver | undefined;
  private far: IntersectionObserver | undefined;
  private readonly followTask = (): void => this.follow();

  constructor(opts: ChatLogOptions) {
    this.lazy = opts.lazy;
    const bodyHost: BodyHost = { queue: opts.queue, rendered: () => opts.queue.after(this.followTask) };
    this.ctx = { post: opts.post, queue: opts.queue, createBody: opts.createBody, bodyHost };
    this.list = h('div', { class: 'entries' });
    this.welcome = h(
      'div',
      { class: 'welcome' },
      icon('sparkle'),
      h('p', { text: 'Ask Warmline about your code.' }),
      h('p', {
        class: 'hint',
        text: 'Type @ to add a file, folder, problems, terminal output or changes; / for commands; paste an image. Enter sends (while a reply runs, it queues), Shift+Enter adds a line, Up recalls your last message.',
      }),
    );
    // role=log is a polite live region: new entries are announced; a streaming entry is
    // aria-busy until it ends, so screen readers read it once, whole, instead of per delta.
    this.element = h(
      'main',
      { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Conversation', tabindex: '0' },
      this.welcome,
      this.list,
    );
    this.watchScrolling();
    if (this.lazy) this.observe();
  }

  /**
   * The log follows the stream while it is at the bottom. Only the user unpins it (wheel, keys,
   * the scrollbar, touch): scroll events alone cannot tell, because our own scrolls and scroll
   * anchoring arrive as scroll events after the content has already grown again.
   */
  private watchScrolling(): void {
    const el = this.element;
    const unpin = (): void => {
      this.pinnedToBottom = false;
    };
    el.addEventListener(
      'wheel',
      (e) => {
        if (e.deltaY < 0) unpin();
      },
      { passive: true },
    );
    el.addEventListener('touchmove', unpin, { passive: true });
    el.addEventListener('keydown', (e) => {
      if (e.target === el && ['ArrowUp', 'PageUp', 'Home'].includes(e.key)) unpin();
    });
    // A press on the log itself (not on its content) is on the scrollbar.
    el.addEventListener('pointerdown', (e) => {
      if (e.target === el) unpin();
    });
    el.addEventListener(
      'scroll',
      () => {
        if (el.scrollHeight - el.scrollTop - el.clientHeight < PIN_SLACK_PX) this.pinnedToBottom = true;
      },
      { passive: true },
    );
  }

  private observe(): void {
    this.near = new IntersectionObserver(
      (records) => {
        for (const r of records) if (r.isIntersecting) this.byElement.get(r.target)?.materialise();
        this.ctx.bodyHost.rendered();
      },
      { root: this.element, rootMargin: '150% 0px' },
    );
    this.far = new IntersectionObserver(
      (records) => {
        for (const r of records)
          if (!r.isIntersecting) this.byElement.get(r.target)?.dematerialise(r.boundingClientRect.height);
      },
      { root: this.element, rootMargin: '400% 0px' },
    );
  }

  load(entries: ChatEntryView[]): void {
    this.clear();
    const fragment = document.createDocumentFragment();
    const created = entries.map((e) => this.create(e));
    for (const entry of created) {
      if (this.lazy) entry.showPlaceholder();
      else entry.materialise();
      fragment.append(entry.element);
    }
    this.list.append(fragment);
    this.updateWelcome();
    // Build what the first frame shows (the end of the chat) now, so it never paints blank.
    // Estimated heights, not measured ones: reading offsetHeight per entry would lay out the
    // whole log each time.
    if (this.lazy) {
      let budget = Math.max(this.element.clientHeight, 600) * 1.5;
      for (let i = created.length - 1; i >= 0 && budget > 0; i--) {
        const entry = created[i] as LazyEntry;
        budget -= entry.reservedHeight;
        entry.materialise();
      }
      for (const entry of created) this.track(entry);
    }
    this.pinnedToBottom = true;
    this.follow();
  }

  addUser(entry: Extract<ChatEntryView, { kind: 'user' }>): void {
    this.append(new UserEntry(entry, this.ctx.post));
    this.pinnedToBottom = true;
    this.ctx.bodyHost.rendered();
  }

  addCompaction(entry: Extract<ChatEntryView, { kind: 'compacted' }>): void {
    if (this.byId.has(entry.id)) return;
    this.append(new CompactionEntry(entry));
    this.ctx.bodyHost.rendered();
  }

  addRestore(entry: Extract<ChatEntryView, { kind: 'restored' }>): void {
    this.closeRestorePlan();
    if (this.byId.has(entry.id)) return;
    this.append(new RestoreEntry(entry, this.ctx.post));
    this.ctx.bodyHost.rendered();
  }

  /** Which user messages offer "Restore workspace to here", and which marker "Undo restore". */
  setCheckpoints(c: HostMessages['checkpoints']): void {
    this.checkpoints = c;
    for (const e of this.entries) this.markCheckpoint(e);
  }

  /** The diff and choice for a restore (under its message) or an undo (under its marker). */
  showRestorePlan(plan: RestorePlanView): void {
    this.closeRestorePlan();
    const anchor = plan.undo
      ? this.entries.findLast((e) => e instanceof RestoreEntry && e.view.restoreId === plan.undo)
      : this.entries.find((e) => e instanceof UserEntry && e.turn === plan.turn);
    const panel = restorePlanView(plan, this.ctx.post, () => this.closeRestorePlan());
    this.plan = panel;
    if (anchor) anchor.element.after(panel);
    else this.list.append(panel);
    panel.querySelector<HTMLButtonElement>('button:not(:disabled)')?.focus();
    panel.scrollIntoView({ block: 'nearest' });
  }

  closeRestorePlan(): void {
    this.plan?.remove();
    this.plan = undefined;
  }

  private markCheckpoint(e: LazyEntry): void {
    if (e instanceof UserEntry)
      e.element.toggleAttribute('data-restorable', e.turn !== undefined && this.checkpoints.turns.includes(e.turn));
    else if (e instanceof RestoreEntry)
      e.element.toggleAttribute('data-undoable', e.view.restoreId === this.checkpoints.undoable);
  }

  startAssistant(id: string): AssistantEntry {
    const existing = this.byId.get(id);
    if (existing instanceof AssistantEntry) return existing;
    const entry = new AssistantEntry({ kind: 'assistant', id, text: '', tools: [], done: false }, this.ctx);
    this.append(entry);
    this.ctx.bodyHost.rendered();
    return entry;
  }

  delta(id: string, delta: string): void {
    this.assistant(id).delta(delta);
  }

  reset(id: string): void {
    this.assistant(id).reset();
  }

  toolStart(messageId: string, tool: ToolCardView): void {
    const owner = this.assistant(messageId);
    owner.toolStart(tool);
    this.toolOwner.set(tool.id, owner);
  }

  toolPreview(p: HostMessages['tool.preview']): void {
    const owner = this.toolOwner.get(p.id) ?? this.assistant(p.messageId);
    owner.toolPreview(p);
    this.toolOwner.set(p.id, owner);
  }

  toolProgress(id: string, chunk: string): void {
    this.toolOwner.get(id)?.toolProgress(id, chunk);
  }

  toolUpdate(u: HostMessages['tool.update']): void {
    this.toolOwner.get(u.id)?.toolUpdate(u);
  }

  /** A notice in an assistant message (issue 15: the images were not sent). */
  note(id: string, text: string): void {
    this.assistant(id).note(text);
  }

  end(id: string, figures: TurnFigures | undefined, error: ErrorView | undefined): void {
    this.assistant(id).end(figures, error);
  }

  /** An assistant message's text, as received so far (issue 15: the plan checklist). */
  textOf(id: string): string | undefined {
    const e = this.byId.get(id);
    return e instanceof AssistantEntry ? e.fullText : undefined;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Deltas for a message we never saw start (a reload mid-turn) still show. */
  private assistant(id: string): AssistantEntry {
    const e = this.byId.get(id);
    return e instanceof AssistantEntry ? e : this.startAssistant(id);
  }

  private create(e: ChatEntryView): LazyEntry {
    const entry =
      e.kind === 'user'
        ? new UserEntry(e, this.ctx.post)
        : e.kind === 'compacted'
          ? new CompactionEntry(e)
          : e.kind === 'restored'
            ? new RestoreEntry(e, this.ctx.post)
            : new AssistantEntry(e, this.ctx);
    this.markCheckpoint(entry);
    this.byId.set(entry.id, entry);
    this.byElement.set(entry.element, entry);
    if (entry instanceof AssistantEntry) for (const toolId of entry.toolIds) this.toolOwner.set(toolId, entry);
    this.entries.push(entry);
    return entry;
  }

  private append(entry: LazyEntry): void {
    this.markCheckpoint(entry);
    this.byId.set(entry.id, entry);
    this.byElement.set(entry.element, entry);
    this.entries.push(entry);
    entry.materialise();
    this.list.append(entry.element);
    this.track(entry);
    this.updateWelcome();
  }

  private track(entry: LazyEntry): void {
    this.near?.observe(entry.element);
    this.far?.observe(entry.element);
  }

  private clear(): void {
    this.near?.disconnect();
    this.far?.disconnect();
    for (const e of this.entries) e.destroy();
    this.entries = [];
    this.byId.clear();
    this.toolOwner.clear();
    this.list.replaceChildren();
    this.plan = undefined;
  }

  private updateWelcome(): void {
    this.welcome.hidden = this.entries.length > 0;
  }

  private follow(): void {
    if (this.pinnedToBottom) this.element.scrollTop = this.element.scrollHeight;
  }

  // ---- queue and reload (issue 15): the scroll position, kept across a reload ----

  /** Where the log is scrolled: the first entry in view and how far down into it, or at the bottom. */
  scrollAnchor(): ScrollAnchor {
    const el = this.element;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < PIN_SLACK_PX;
    const top = el.getBoundingClientRect().top;
    const index = this.entries.findIndex((e) => e.element.getBoundingClientRect().bottom > top);
    const entry = this.entries[index];
    return { index, offset: entry ? top - entry.element.getBoundingClientRect().top : 0, atBottom };
  }

  /** Scrolls back to an anchor from scrollAnchor() (the same chat, loaded again after a reload). */
  scrollToAnchor(anchor: ScrollAnchor): void {
    const entry = this.entries[anchor.index];
    if (anchor.atBottom || !entry) {
      this.pinnedToBottom = true;
      this.follow();
      return;
    }
    this.pinnedToBottom = false;
    entry.materialise();
    const delta = entry.element.getBoundingClientRect().top - this.element.getBoundingClientRect().top;
    this.element.scrollTop += delta + anchor.offset;
  }
}

export interface ScrollAnchor {
  index: number;
  offset: number;
  atBottom: boolean;
}
