// A tool call in the conversation: name, short arguments, live status, streamed output, and for
// edits a compact diff. While the host waits for the user, the card carries the decision
// buttons (Accept/Reject for edits, Run/Skip for tasks and shell commands).
import type { HostMessages, PatchPreview, ToolCardView, ToolStatus } from '../../shared/messages.ts';
import { button, h, icon } from '../dom.ts';
import type { FrameQueue } from '../dom.ts';
import type { Post } from '../protocol.ts';
import { diffView, patchPreviewView } from './diff.ts';
import { OutputBuffer, OutputView } from './output.ts';

/** What the webview keeps of a tool call: the host's view plus bounded output. */
export interface ToolState {
  view: ToolCardView;
  output: OutputBuffer;
  /** The user clicked Accept/Run (true) or Reject/Skip (false) and the host has not answered yet. */
  decision?: boolean;
  /** The patch as the model writes it: set while the call streams, before its `tool.start`. */
  preview?: PatchPreview;
}

export function toolState(view: ToolCardView): ToolState {
  const output = new OutputBuffer();
  if (view.output) output.append(view.output);
  return { view: { ...view, output: '' }, output };
}

export function applyToolUpdate(state: ToolState, u: HostMessages['tool.update']): void {
  state.view.status = u.status;
  if (u.result !== undefined) state.view.result = u.result;
  if (u.diff !== undefined) state.view.diff = u.diff;
  if (u.approval !== undefined) state.view.approval = u.approval;
  if (u.status !== 'awaiting_approval') delete state.decision;
}

const STATUS: Record<ToolStatus, { icon: string; label: string }> = {
  running: { icon: 'loading codicon-modifier-spin', label: 'Running' },
  awaiting_approval: { icon: 'question', label: 'Waiting for your approval' },
  done: { icon: 'check', label: 'Done' },
  error: { icon: 'error', label: 'Failed' },
  rejected: { icon: 'circle-slash', label: 'Rejected' },
  cancelled: { icon: 'debug-stop', label: 'Cancelled' },
};

export class ToolCard {
  readonly element: HTMLElement;
  private readonly state: ToolState;
  private readonly post: Post;
  private readonly statusEl: HTMLElement;
  private readonly resultEl: HTMLElement;
  private readonly approvalEl: HTMLElement;
  private readonly diffEl: HTMLElement;
  private readonly output: OutputView;
  private readonly queue: FrameQueue;
  private renderedDiff: unknown;
  private renderedPreview: unknown;
  private readonly renderPreview = (): void => {
    const preview = this.state.preview;
    if (this.renderedPreview === preview) return;
    this.renderedPreview = preview;
    if (preview) this.diffEl.replaceChildren(patchPreviewView(preview));
  };

  constructor(state: ToolState, post: Post, queue: FrameQueue) {
    this.state = state;
    this.post = post;
    this.queue = queue;
    const v = state.view;
    this.statusEl = h('span', { class: 'tool-status', role: 'img' });
    this.resultEl = h('span', { class: 'tool-result' });
    this.approvalEl = h('div', { class: 'tool-approval' });
    this.diffEl = h('div', { class: 'tool-diff' });
    this.output = new OutputView(state.output, queue, v.name);
    this.element = h(
      'div',
      {
        class: 'tool-card',
        role: 'group',
        'aria-label': `Tool ${v.name}${v.summary ? `: ${v.summary}` : ''}`,
        'data-tool-id': v.id,
      },
      h(
        'div',
        { class: 'tool-head' },
        this.statusEl,
        h('span', { class: 'tool-name', text: v.name }),
        h('span', { class: 'tool-summary', text: v.summary, title: v.summary }),
        this.resultEl,
      ),
      this.approvalEl,
      this.diffEl,
      this.output.element,
    );
    this.refresh();
    if (state.preview) this.renderPreview();
  }

  progressed(): void {
    this.output.changed();
  }

  /** The preview changed: drawn once a frame, however many come. */
  previewed(): void {
    this.queue.schedule(this.renderPreview);
  }

  dispose(): void {
    this.queue.cancel(this.renderPreview);
    this.output.dispose();
  }

  /** Re-reads the state after a status change (cheap: a handful of nodes). */
  refresh(): void {
    const v = this.state.view;
    const s = STATUS[v.status] ?? STATUS.running;
    this.element.className = `tool-card status-${v.status}${this.state.preview ? ' previewing' : ''}`;
    this.statusEl.replaceChildren(icon(s.icon));
    this.statusEl.setAttribute('aria-label', s.label);
    this.statusEl.title = s.label;
    this.resultEl.textContent = v.result ?? '';
    this.resultEl.hidden = !v.result;
    if (this.renderedDiff !== v.diff) {
      this.renderedDiff = v.diff;
      this.diffEl.replaceChildren(...(v.diff?.length ? [diffView(v.diff)] : []));
    }
    this.renderApproval();
  }

  private renderApproval(): void {
    const v = this.state.view;
    const box = this.approvalEl;
    box.replaceChildren();
    const hasDiff = !!v.diff?.length;
    const waiting = v.status === 'awaiting_approval';
    box.hidden = !waiting && !hasDiff;
    if (box.hidden) return;
    const kind = v.approval?.kind ?? (hasDiff ? 'edit' : 'shell');
    if (waiting && v.approval?.title) box.append(h('div', { class: 'approval-title', text: v.approval.title }));
    if (waiting && v.approval?.command)
      box.append(h('pre', { class: 'approval-command' }, h('code', { text: v.approval.command })));
    const row = h('div', { class: 'approval-actions' });
    if (hasDiff)
      row.append(
        button({ label: 'Open Diff', icon: 'diff', text: true, class: 'btn secondary' }, () =>
          this.post('diff.open', { toolId: v.id }),
        ),
      );
    if (waiting) {
      const [yes, no] = kind === 'edit' ? ['Accept', 'Reject'] : ['Run', 'Skip'];
      const decided = this.state.decision;
      const accept = button(
        { label: yes as string, icon: kind === 'edit' ? 'check' : 'play', text: true, class: 'btn approve' },
        () => this.decide(true),
      );
      const reject = button(
        {
          label: no as string,
          icon: kind === 'edit' ? 'close' : 'debug-step-over',
          text: true,
          class: 'btn secondary reject',
        },
        () => this.decide(false),
      );
      if (decided !== undefined) {
        accept.disabled = true;
        reject.disabled = true;
        row.append(
          h('span', {
            class: 'approval-pending',
            role: 'status',
            text: decided ? `${yes === 'Run' ? 'Running' : 'Applying'}…` : 'Skipping…',
          }),
        );
      }
      row.prepend(accept, reject);
      if (kind === 'mcp') {
        // An MCP call may be allowed from now on: this tool, or every tool of its server.
        const always = (scope: 'tool' | 'server', label: string) => {
          const b = button({ label, icon: 'check-all', text: true, class: 'btn secondary always' }, () =>
            this.decide(true, scope),
          );
          b.disabled = decided !== undefined;
          return b;
        };
        reject.before(always('tool', 'Always allow this tool'), always('server', 'Always allow this server'));
      }
    }
    box.append(row);
  }

  private decide(approved: boolean, always?: 'tool' | 'server'): void {
    if (this.state.decision !== undefined) return;
    this.state.decision = approved;
    this.post(
      'approval',
      always ? { toolId: this.state.view.id, approved, always } : { toolId: this.state.view.id, approved },
    );
    this.renderApproval();
    // Focus would otherwise fall to <body> when the clicked button is replaced.
    this.approvalEl.querySelector<HTMLButtonElement>('button:not([disabled])')?.focus();
  }
}
