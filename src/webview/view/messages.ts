// The two kinds of entries. A user message is plain text (never markdown: what the user typed is
// shown as typed). An assistant message is text segments and tool cards in the order they
// streamed; each segment is a markdown body, and only the last one is ever still growing.
import type {
  ChatEntryView,
  ContextChip,
  ErrorView,
  HostMessages,
  ToolCardView,
  TurnFigures,
} from '../../shared/messages.ts';
import { button, h, icon } from '../dom.ts';
import type { FrameQueue } from '../dom.ts';
import type { Post } from '../protocol.ts';
import type { BodyFactory, BodyHost, MarkdownBody } from '../render/streaming.ts';
import { chipView } from './chips.ts';
import { errorView } from './errors.ts';
import { figureItems } from './figures.ts';
import { LazyEntry, estimateLines } from './entry.ts';
import { ToolCard, applyToolUpdate, toolState } from './toolCard.ts';
import type { ToolState } from './toolCard.ts';

export interface EntryContext {
  post: Post;
  queue: FrameQueue;
  createBody: BodyFactory;
  bodyHost: BodyHost;
}

export class UserEntry extends LazyEntry {
  private readonly text: string;
  private readonly context: ContextChip[];
  /** The message's number in the chat, for "Restore workspace to here" (checkpoints). */
  readonly turn: number | undefined;
  private readonly post: Post | undefined;

  constructor(entry: Extract<ChatEntryView, { kind: 'user' }>, post?: Post) {
    super(entry.id, 'user', 'You');
    this.text = entry.text;
    this.context = entry.context;
    this.turn = entry.turn;
    this.post = post;
    if (entry.turn !== undefined) this.element.dataset.turn = String(entry.turn);
  }

  protected estimateHeight(): number {
    return 44 + 18 * estimateLines(this.text) + (this.context.length ? 26 : 0);
  }

  protected build(): void {
    const turn = this.turn;
    // Shown only while the chat's article says this turn can be restored (data-restorable, style.css).
    const restore =
      turn !== undefined && this.post
        ? button({ label: 'Restore workspace to here', icon: 'discard', class: 'icon-btn restore-action' }, () =>
            this.post?.('checkpoint.preview', { turn }),
          )
        : null;
    this.element.append(
      h('div', { class: 'entry-head' }, icon('account'), h('span', { text: 'You' }), restore),
      h('div', { class: 'user-text', text: this.text }),
    );
    if (this.context.length)
      this.element.append(h('div', { class: 'entry-chips' }, ...this.context.map((c) => chipView(c))));
  }

  protected teardown(): void {}

  protected pinned(): boolean {
    return false;
  }
}

const HOW: Record<Extract<ChatEntryView, { kind: 'compacted' }>['how'], string> = {
  server: 'by the server',
  endpoint: 'by the compaction endpoint',
  local: 'into a summary by the model',
};

/** Where the conversation was compacted: everything above stays shown; the model now sees a compact form of it. */
export class CompactionEntry extends LazyEntry {
  private readonly view: Extract<ChatEntryView, { kind: 'compacted' }>;

  constructor(entry: Extract<ChatEntryView, { kind: 'compacted' }>) {
    super(entry.id, 'compacted', 'Context compacted');
    this.view = entry;
  }

  protected estimateHeight(): number {
    return 30;
  }

  protected build(): void {
    const v = this.view;
    const why =
      v.reason === 'manual'
        ? 'as you asked'
        : v.reason === 'overflow'
          ? "after the model's window overflowed"
          : "before the model's window filled";
    this.element.append(
      h(
        'div',
        { class: 'compacted-line', role: 'note' },
        icon('fold'),
        h('span', {
          text: `Context compacted ${HOW[v.how]}, ${why}: about ${v.tokensBefore.toLocaleString('en-US')} → ${v.tokensAfter.toLocaleString('en-US')} tokens`,
        }),
      ),
    );
  }

  protected teardown(): void {}

  protected pinned(): boolean {
    return false;
  }
}

/** The workspace was restored to a message (checkpoints), or a restore undone; "Undo restore" while it is the latest. */
export class RestoreEntry extends LazyEntry {
  readonly view: Extract<ChatEntryView, { kind: 'restored' }>;
  private readonly post: Post;

  constructor(entry: Extract<ChatEntryView, { kind: 'restored' }>, post: Post) {
    super(entry.id, 'restored', entry.action === 'restored' ? 'Workspace restored' : 'Restore undone');
    this.view = entry;
    this.post = post;
    this.element.dataset.restoreId = entry.restoreId;
  }

  protected estimateHeight(): number {
    return 30;
  }

  protected build(): void {
    const v = this.view;
    const files = `${v.files} file${v.files === 1 ? '' : 's'}`;
    const text =
      v.action === 'undone'
        ? `Restore undone: ${files} put back as they were before it`
        : `Workspace restored to message ${v.turn + 1}: ${files}${v.conversation ? ', and the conversation' : ''}`;
    const undo =
      v.action === 'restored'
        ? button({ label: 'Undo restore', icon: 'redo', text: true, class: 'btn secondary small undo-restore' }, () =>
            this.post('checkpoint.preview', { undo: v.restoreId }),
          )
        : null;
    this.element.append(h('div', { class: 'restored-line', role: 'note' }, icon('history'), h('span', { text }), undo));
  }

  protected teardown(): void {}

  protected pinned(): boolean {
    return false;
  }
}

type Part = { kind: 'text'; start: number } | { kind: 'tool'; tool: ToolState };

export class AssistantEntry extends LazyEntry {
  private text: string;
  /** Text segments and tools in streamed order; a text part runs to the next part's start. */
  private readonly parts: Part[];
  private readonly tools = new Map<string, ToolState>();
  private error: ErrorView | undefined;
  private figures: TurnFigures | undefined;
  private done: boolean;
  private readonly ctx: EntryContext;
  // Built content (only while materialised):
  private partsEl: HTMLElement | undefined;
  private body: MarkdownBody | undefined;
  private readonly cards = new Map<string, ToolCard>();
  private bodies: MarkdownBody[] = [];
  /** Notices about the turn (issue 15: images the server refused), shown above its text. */
  private readonly notes: string[] = [];

  constructor(entry: Extract<ChatEntryView, { kind: 'assistant' }>, ctx: EntryContext) {
    super(entry.id, 'assistant', 'Warmline');
    this.ctx = ctx;
    this.text = entry.text;
    this.error = entry.error;
    this.figures = entry.figures;
    this.done = entry.done;
    // A loaded chat does not say where tools sat in the text: they follow it.
    this.parts = [{ kind: 'text', start: 0 }];
    for (const tool of entry.tools) {
      const state = toolState(tool);
      this.tools.set(tool.id, state);
      this.parts.push({ kind: 'tool', tool: state });
    }
    if (entry.tools.length) this.parts.push({ kind: 'text', start: this.text.length });
  }

  get toolIds(): Iterable<string> {
    return this.tools.keys();
  }

  protected estimateHeight(): number {
    return 44 + 20 * estimateLines(this.text) + 64 * this.tools.size + (this.error ? 80 : 0) + (this.figures ? 20 : 0);
  }

  protected pinned(): boolean {
    if (!this.done) return true;
    for (const t of this.tools.values()) if (t.view.status === 'awaiting_approval') return true;
    return false;
  }

  protected build(): void {
    this.element.setAttribute('aria-busy', String(!this.done));
    this.partsEl = h('div', { class: 'parts' });
    this.element.append(
      h('div', { class: 'entry-head' }, icon('sparkle'), h('span', { text: 'Warmline' })),
      ...this.notes.map(noteView),
      this.partsEl,
    );
    this.parts.forEach((part, i) => {
      if (part.kind === 'tool') {
        this.appendCard(part.tool);
        return;
      }
      const end = this.partEnd(i);
      const segment = this.text.slice(part.start, end);
      const last = i === this.parts.length - 1;
      if (!segment && !last) return;
      const body = this.appendBody();
      if (last && !this.done) body.update(segment);
      else body.finish(segment);
    });
    this.renderFooter();
  }

  protected teardown(): void {
    for (const b of this.bodies) b.dispose();
    for (const c of this.cards.values()) c.dispose();
    this.bodies = [];
    this.body = undefined;
    this.cards.clear();
    this.partsEl = undefined;
  }

  private partEnd(i: number): number {
    const next = this.parts[i + 1];
    return next?.kind === 'text' ? next.start : next?.kind === 'tool' ? this.partEnd(i + 1) : this.text.length;
  }

  /** Where the text after the last card starts; `realOnly`: the last card not made by a preview. */
  private lastTextStart(realOnly = false): number {
    let i = this.parts.length - 1;
    if (realOnly) {
      const lastReal = this.parts.findLastIndex((p) => p.kind === 'tool' && !p.tool.preview);
      const firstPreview = this.parts.findIndex((p, j) => j > lastReal && p.kind === 'tool');
      if (firstPreview >= 0) i = firstPreview - 1;
    }
    const part = this.parts[i];
    return part?.kind === 'text' ? part.start : this.text.length;
  }

  private appendBody(): MarkdownBody {
    const body = this.ctx.createBody(this.ctx.bodyHost);
    this.bodies.push(body);
    this.body = body;
    this.partsEl?.append(body.element);
    return body;
  }

  private appendCard(state: ToolState): void {
    const card = new ToolCard(state, this.ctx.post, this.ctx.queue);
    this.cards.set(state.view.id, card);
    this.body = undefined;
    this.partsEl?.append(card.element);
  }

  /** The message's whole text so far (the plan checklist reads it, issue 15). */
  get fullText(): string {
    return this.text;
  }

  /** A notice about this turn (images refused), as text. */
  note(text: string): void {
    this.notes.push(text);
    if (this.materialised) this.partsEl?.before(noteView(text));
  }

  delta(delta: string): void {
    this.text += delta;
    if (!this.materialised) return;
    this.element.classList.remove('thinking');
    (this.body ?? this.appendBody()).update(this.text.slice(this.lastTextStart()));
  }

  /** The turn restarts after a lost connection: the text since the last tool card goes. */
  reset(): void {
    this.text = this.text.slice(0, this.lastTextStart(true));
    this.dropPreviews();
    if (this.materialised) this.body?.update('');
  }

  toolStart(tool: ToolCardView): void {
    const previewed = this.tools.get(tool.id);
    if (previewed?.preview) {
      // The call streamed as a preview: the normal card takes the preview card's place.
      const next = toolState(tool);
      previewed.view = next.view;
      previewed.output = next.output;
      delete previewed.preview;
      const old = this.cards.get(tool.id);
      if (old && this.materialised) {
        const card = new ToolCard(previewed, this.ctx.post, this.ctx.queue);
        old.element.replaceWith(card.element);
        old.dispose();
        this.cards.set(tool.id, card);
        this.ctx.bodyHost.rendered();
      }
      return;
    }
    const state = toolState(tool);
    this.tools.set(tool.id, state);
    this.body?.finish(this.text.slice(this.lastTextStart()));
    this.parts.push({ kind: 'tool', tool: state }, { kind: 'text', start: this.text.length });
    if (this.materialised) {
      this.element.classList.remove('thinking');
      this.appendCard(state);
      this.ctx.bodyHost.rendered();
    }
  }

  /**
   * A patch as the model writes it: the first preview of a call makes its card (running, named,
   * the preview where the diff goes); `toolStart` later replaces it with the normal card.
   */
  toolPreview(p: HostMessages['tool.preview']): void {
    let state = this.tools.get(p.id);
    if (state && !state.preview) return; // the call already started: its card is the normal one
    if (!state) {
      this.toolStart({ id: p.id, name: p.name, summary: 'writing the patch…', status: 'running', output: '' });
      state = this.tools.get(p.id)!;
    }
    state.preview = p.preview;
    const card = this.cards.get(p.id);
    if (card) {
      card.refresh();
      card.previewed();
    }
  }

  /**
   * Cards made by a preview whose call never started (the attempt was retried, or the turn
   * ended) go, and the text around each is one segment again. Rebuilt when shown (rare).
   */
  private dropPreviews(): void {
    let dropped = false;
    for (const [id, state] of this.tools) {
      if (!state.preview) continue;
      dropped = true;
      this.tools.delete(id);
      const i = this.parts.findIndex((p) => p.kind === 'tool' && p.tool === state);
      // The tool part and the text part that followed it: the text before runs on.
      if (i >= 0) this.parts.splice(i, this.parts[i + 1]?.kind === 'text' ? 2 : 1);
    }
    if (this.parts.at(-1)?.kind !== 'text') this.parts.push({ kind: 'text', start: this.text.length });
    if (dropped && this.materialised) {
      this.teardown();
      this.materialised = false;
      this.materialise();
    }
  }

  toolProgress(id: string, chunk: string): void {
    const state = this.tools.get(id);
    if (!state) return;
    state.output.append(chunk);
    this.cards.get(id)?.progressed();
  }

  toolUpdate(u: HostMessages['tool.update']): void {
    const state = this.tools.get(u.id);
    if (!state) return;
    applyToolUpdate(state, u);
    this.cards.get(u.id)?.refresh();
    this.ctx.bodyHost.rendered();
  }

  end(figures: TurnFigures | undefined, error: ErrorView | undefined): void {
    this.done = true;
    this.figures = figures;
    this.error = error;
    this.dropPreviews();
    // Tools still shown as running when the turn ended were cut off with it.
    for (const [id, t] of this.tools)
      if (t.view.status === 'running' || t.view.status === 'awaiting_approval')
        this.toolUpdate({ id, status: 'cancelled' });
    if (!this.materialised) return;
    this.element.setAttribute('aria-busy', 'false');
    this.element.classList.remove('thinking');
    this.body?.finish(this.text.slice(this.lastTextStart()));
    this.renderFooter();
    this.ctx.bodyHost.rendered();
  }

  private renderFooter(): void {
    this.element.querySelector(':scope > .entry-footer')?.remove();
    const footer = h('div', { class: 'entry-footer' });
    if (!this.done && !this.text && this.tools.size === 0) this.element.classList.add('thinking');
    if (!this.done)
      footer.append(
        h(
          'div',
          { class: 'thinking-line' },
          icon('loading', 'codicon-modifier-spin'),
          h('span', { text: 'Thinking…' }),
        ),
      );
    if (this.error) footer.append(errorView(this.error, this.ctx.post));
    if (this.figures) {
      footer.append(
        h(
          'div',
          { class: 'turn-figures', 'aria-label': 'Turn figures' },
          ...figureItems(this.figures).map((f) =>
            h('span', { class: `figure figure-${f.key}`, title: f.title, text: f.text }),
          ),
        ),
      );
    }
    this.element.append(footer);
  }
}

function noteView(text: string): HTMLElement {
  return h('div', { class: 'entry-note', role: 'status' }, icon('info'), h('span', { text }));
}
