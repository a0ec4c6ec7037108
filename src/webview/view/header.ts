// The header line: connection state (and whether this is a scripted demo rather than a model),
// the last turn's figures, and the chat actions (history, new chat).
import type { ConnectionState, HostMessages, TurnFigures } from '../../shared/messages.ts';
import { button, h, icon } from '../dom.ts';
import type { Post } from '../protocol.ts';
import { figureItems } from './figures.ts';

const STATES: Record<ConnectionState, { label: string; icon: string; tone: 'ok' | 'busy' | 'warn' | 'bad' | 'idle' }> = {
  idle: { label: 'Idle', icon: 'circle-outline', tone: 'idle' },
  connecting: { label: 'Connecting…', icon: 'loading codicon-modifier-spin', tone: 'busy' },
  warming: { label: 'Warming', icon: 'loading codicon-modifier-spin', tone: 'busy' },
  warm: { label: 'Warm', icon: 'pass-filled', tone: 'ok' },
  busy: { label: 'Busy', icon: 'sync codicon-modifier-spin', tone: 'busy' },
  compacting: { label: 'Compacting…', icon: 'fold', tone: 'busy' },
  reconnecting: { label: 'Reconnecting…', icon: 'debug-disconnect', tone: 'warn' },
  http: { label: 'HTTP fallback', icon: 'warning', tone: 'warn' },
  no_key: { label: 'No API key', icon: 'key', tone: 'bad' },
  error: { label: 'Error', icon: 'error', tone: 'bad' },
  closed: { label: 'Closed', icon: 'circle-slash', tone: 'idle' },
};

export interface HeaderActions {
  toggleHistory(): void;
  newChat(): void;
}

export class Header {
  readonly element: HTMLElement;
  readonly historyButton: HTMLButtonElement;
  private readonly conn: HTMLElement;
  private readonly connIcon: HTMLElement;
  private readonly connLabel: HTMLElement;
  private readonly model: HTMLElement;
  private readonly scripted: HTMLElement;
  private readonly setKey: HTMLButtonElement;
  private readonly figures: HTMLElement;

  constructor(post: Post, actions: HeaderActions) {
    this.connIcon = h('span', { class: 'conn-icon' });
    this.connLabel = h('span', { class: 'conn-label', text: 'Starting…' });
    this.model = h('span', { class: 'conn-model' });
    this.conn = h('div', { class: 'conn tone-idle', role: 'status', 'aria-live': 'polite' }, this.connIcon, this.connLabel, this.model);
    this.scripted = h('span', { class: 'badge badge-scripted', text: 'scripted demo, not AI', title: 'Replies come from a script, not from a model', hidden: true });
    this.setKey = button({ label: 'Set API Key', icon: 'key', text: true, class: 'btn small' }, () => post('error.action', { action: 'setKey' }));
    this.setKey.hidden = true;
    this.historyButton = button({ label: 'Chat history', icon: 'history' }, () => actions.toggleHistory());
    this.historyButton.setAttribute('aria-expanded', 'false');
    this.historyButton.setAttribute('aria-haspopup', 'true');
    const newChat = button({ label: 'New chat', icon: 'add' }, () => actions.newChat());
    this.figures = h('div', { class: 'figures', 'aria-label': 'Last turn', hidden: true });
    this.element = h('header', { class: 'header' },
      h('div', { class: 'header-row' }, this.conn, this.scripted, h('span', { class: 'spacer' }), this.setKey, this.historyButton, newChat),
      this.figures);
  }

  setState(s: HostMessages['state']): void {
    const spec = STATES[s.state] ?? STATES.idle;
    this.conn.className = `conn tone-${spec.tone} state-${s.state}`;
    this.conn.dataset.state = s.state;
    this.connIcon.replaceChildren(icon(spec.icon));
    this.connLabel.textContent = spec.label;
    this.model.textContent = s.model ? `${s.model}${s.transport === 'http' && s.state !== 'http' ? ' · HTTP' : ''}` : '';
    this.conn.title = [spec.label, s.detail, s.model && `model ${s.model}`, `transport ${s.transport}`].filter(Boolean).join(' — ');
    this.scripted.hidden = !s.scripted;
    this.setKey.hidden = s.state !== 'no_key';
  }

  setFigures(f: TurnFigures | undefined): void {
    this.figures.hidden = !f;
    if (!f) return;
    this.figures.replaceChildren(...figureItems(f).map((item) => h('span', { class: `figure figure-${item.key}`, title: item.title, text: item.text })));
  }
}
