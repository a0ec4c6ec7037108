// The header line: connection state (and whether this is a scripted demo rather than a model),
// the last turn's figures, and the chat actions (history, new chat).
import type { ConnectionState, HostMessages, TurnFigures } from '../../shared/messages.ts';
import { button, h, icon } from '../dom.ts';
import type { Post } from '../protocol.ts';
import { figureItems } from './figures.ts';
import { RulesChip } from './rules.ts';

const STATES: Record<ConnectionState, { label: string; icon: string; tone: 'ok' | 'busy' | 'warn' | 'bad' | 'idle' }> =
  {
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
  /** The project rules in effect (issue 15). */
  readonly rules: RulesChip;
  private readonly conn: HTMLElement;
  private readonly connIcon: HTMLElement;
  private readonly connLabel: HTMLElement;
  private readonly model: HTMLElement;
  private readonly scripted: HTMLElement;
  private readonly setKey: HTMLButtonElement;
  private readonly figures: HTMLElement;
  private readonly meter: HTMLElement;
  private readonly meterFill: HTMLElement;
  private readonly meterText: HTMLElement;

  constructor(post: Post, actions: HeaderActions) {
    this.connIcon = h('span', { class: 'conn-icon' });
    this.connLabel = h('span', { class: 'conn-label', text: 'Starting…' });
    this.model = h('span', { class: 'conn-model' });
    this.conn = h(
      'div',
      { class: 'conn tone-idle', role: 'status', 'aria-live': 'polite' },
      this.connIcon,
      this.connLabel,
      this.model,
    );
    this.scripted = h('span', {
      class: 'badge badge-scripted',
      text: 'scripted demo, not AI',
      title: 'Replies come from a script, not from a model',
      hidden: true,
    });
    this.setKey = button({ label: 'Set API Key', icon: 'key', text: true, class: 'btn small' }, () =>
      post('error.action', { action: 'setKey' }),
    );
    this.setKey.hidden = true;
    this.historyButton = button({ label: 'Chat history', icon: 'history' }, () => actions.toggleHistory());
    this.historyButton.setAttribute('aria-expanded', 'false');
    this.historyButton.setAttribute('aria-haspopup', 'true');
    const newChat = button({ label: 'New chat', icon: 'add' }, () => actions.newChat());
    this.rules = new RulesChip(post);
    this.figures = h('div', { class: 'figures', 'aria-label': 'Last turn', hidden: true });
    this.meterFill = h('span', { class: 'meter-fill' });
    this.meterText = h('span', { class: 'meter-text' });
    this.meter = h(
      'div',
      {
        class: 'context-meter',
        role: 'meter',
        'aria-label': 'Context window used',
        'aria-valuemin': '0',
        'aria-valuemax': '100',
        hidden: true,
      },
      h('span', { class: 'meter-bar' }, this.meterFill),
      this.meterText,
    );
    this.element = h(
      'header',
      { class: 'header' },
      h(
        'div',
        { class: 'header-row' },
        this.conn,
        this.scripted,
        this.rules.chip,
        h('span', { class: 'spacer' }),
        this.setKey,
        this.historyButton,
        newChat,
      ),
      this.rules.panel,
      this.figures,
      this.meter,
    );
  }

  setState(s: HostMessages['state']): void {
    const spec = STATES[s.state] ?? STATES.idle;
    this.conn.className = `conn tone-${spec.tone} state-${s.state}`;
    this.conn.dataset.state = s.state;
    this.connIcon.replaceChildren(icon(spec.icon));
    this.connLabel.textContent = spec.label;
    this.model.textContent = s.model
      ? `${s.model}${s.transport === 'http' && s.state !== 'http' ? ' · HTTP' : ''}`
      : '';
    this.conn.title = [spec.label, s.detail, s.model && `model ${s.model}`, `transport ${s.transport}`]
      .filter(Boolean)
      .join(' — ');
    this.scripted.hidden = !s.scripted;
    this.setKey.hidden = s.state !== 'no_key';
  }

  /** How full the model's context window is: compaction starts at 85%. */
  setUsage(u: HostMessages['usage'] | undefined): void {
    this.meter.hidden = !u || u.window <= 0 || u.used <= 0;
    if (!u || u.window <= 0 || u.used <= 0) return;
    const pct = Math.min(100, Math.round((100 * u.used) / u.window));
    this.meterFill.style.width = `${pct}%`;
    this.meter.dataset.level = pct >= 85 ? 'full' : pct >= 60 ? 'high' : 'ok';
    this.meter.setAttribute('aria-valuenow', String(pct));
    this.meterText.textContent = `Context ${pct}% · ${tokens(u.used)} / ${tokens(u.window)}`;
    this.meter.title = `About ${u.used.toLocaleString('en-US')} of the model's ${u.window.toLocaleString('en-US')} tokens are in use. Warmline compacts the conversation before it fills.`;
  }

  setFigures(f: TurnFigures | undefined): void {
    this.figures.hidden = !f;
    if (!f) return;
    this.figures.replaceChildren(
      ...figureItems(f).map((item) =>
        h('span', { class: `figure figure-${item.key}`, title: item.title, text: item.text }),
      ),
    );
  }
}

/** 1234 -> "1.2k", 272000 -> "272k". */
export function tokens(n: number): string {
  if (n < 1000) return String(n);
  const k = n / 1000;
  return `${k < 10 ? k.toFixed(1).replace(/\.0$/, '') : Math.round(k)}k`;
}
