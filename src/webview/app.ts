// Builds the chat view and connects it to the host. The renderer and lazy building are options
// only so the benchmark can run a naive baseline through the same app; the product uses main.ts.
import { FrameQueue, icon } from './dom.ts';
import { HostChannel } from './protocol.ts';
import type { HostHandlers, Post, VsCodeApi } from './protocol.ts';
import { warmUpHighlighting } from './render/highlight.ts';
import { isWebUrl } from './render/markdown.ts';
import { IncrementalMarkdown } from './render/streaming.ts';
import type { BodyFactory } from './render/streaming.ts';
import { ChatLog } from './view/chat.ts';
import { Composer } from './view/composer.ts';
import { Header } from './view/header.ts';
import { HistoryPanel } from './view/history.ts';
import { PlanPanel } from './view/plan.ts';
import { QueueView } from './view/queue.ts';
import { ScrollKeeper } from './view/scroll-keeper.ts';

export interface AppOptions {
  api: VsCodeApi;
  root: HTMLElement;
  createBody?: BodyFactory;
  lazy?: boolean;
}

export interface App {
  channel: HostChannel;
  log: ChatLog;
  composer: Composer;
  header: Header;
}

export function startApp(options: AppOptions): App {
  const channel = new HostChannel(options.api);
  const post: Post = (type, payload) => channel.post(type, payload);
  const queue = new FrameQueue();
  let history: HistoryPanel | undefined;
  const header = new Header(post, { toggleHistory: () => history?.toggleOpen(), newChat: () => post('chat.new', {}) });
  history = new HistoryPanel(post, header.historyButton);
  const log = new ChatLog({
    post,
    queue,
    createBody: options.createBody ?? ((host) => new IncrementalMarkdown(host)),
    lazy: options.lazy ?? true,
  });
  const draft = typeof channel.state.draft === 'string' ? channel.state.draft : '';
  const composer = new Composer(
    post,
    (query) => channel.request('files.query', { query }).then((r) => r.files),
    draft,
    (text) => channel.saveState({ draft: text }),
    (query) => channel.request('folders.query', { query }).then((r) => r.folders),
  );
  // Modes and slash commands (issue 15): prompt files come from the host; a Plan reply's checklist shows above the composer.
  composer.enableSlash(() => channel.request('prompts.list', {}).then((r) => r.prompts));
  const plan = new PlanPanel(post, (mode) => composer.setMode(mode));
  /** The last reply of a chat just loaded: its checklist is offered if the chat turns out to be in Plan mode. */
  let planAfterLoad: string | undefined;
  options.root.replaceChildren(header.element, history.element, log.element, plan.element, composer.element);
  options.root.removeAttribute('aria-busy');
  wireLogClicks(log.element, post);
  closeOnOutsideClick(history, header.historyButton);
  // ---- queue and reload (issue 15) ----
  const queued = new QueueView(post);
  composer.element.before(queued.element);
  const scroll = new ScrollKeeper(log, channel);

  const setRunning = (running: boolean): void => {
    composer.setRunning(running);
    plan.setRunning(running);
    document.body.classList.toggle('running', running);
  };

  const handlers: HostHandlers = {
    'state': (p) => header.setState(p),
    'chat.load': (p) => {
      log.load(p.entries);
      for (const e of p.entries) if (e.kind === 'user') composer.remember(e.text);
      const lastFigures = p.entries.findLast((e) => e.kind === 'assistant' && e.figures);
      header.setFigures(lastFigures?.kind === 'assistant' ? lastFigures.figures : undefined);
      document.title = p.title || 'Warmline';
      setRunning(p.busy);
      plan.hide();
      const last = p.entries.at(-1);
      planAfterLoad = last?.kind === 'assistant' && last.done && !last.error ? last.text : undefined;
      scroll.loaded(p.chatId);
    },
    'user.message': (p) => {
      log.addUser(p.entry);
      composer.remember(p.entry.text);
    },
    'assistant.start': (p) => {
      log.startAssistant(p.id);
      setRunning(true);
    },
    'text.delta': (p) => log.delta(p.id, p.delta),
    'text.reset': (p) => log.reset(p.id),
    'tool.start': (p) => log.toolStart(p.messageId, p.tool),
    'tool.preview': (p) => log.toolPreview(p),
    'tool.progress': (p) => log.toolProgress(p.id, p.chunk),
    'tool.update': (p) => log.toolUpdate(p),
    'assistant.end': (p) => {
      log.end(p.id, p.figures, p.error);
      if (p.figures) header.setFigures(p.figures);
      setRunning(false);
      if (composer.modeSwitch.mode === 'plan' && !p.error) plan.offer(log.textOf(p.id));
    },
    'history': (p) => history.set(p.chats, p.activeId),
    'context': (p) => composer.setChips(p.chips),
    'compose': (p) => composer.compose(p.text, p.send),
    'usage': (p) => header.setUsage(p),
    'compacted': (p) => log.addCompaction(p.entry),
    'checkpoints': (p) => log.setCheckpoints(p),
    'checkpoint.plan': (p) => log.showRestorePlan(p),
    'checkpoint.done': (p) => log.addRestore(p.entry),
    // ---- rules (issue 15) ----
    'rules': (p) => header.rules.set(p),
    // ---- modes and slash commands (issue 15) ----
    'mode': (p) => {
      composer.setMode(p.mode);
      if (p.mode === 'plan' && planAfterLoad) plan.offer(planAfterLoad);
      planAfterLoad = undefined;
    },
    // ---- mentions and images (issue 15) ----
    'images.refused': (p) => log.note(p.id, p.message),
    // ---- queue and reload (issue 15) ----
    'queue': (p) => queued.set(p.items, p.held),
  };
  channel.listen(handlers);
  post('ready', {});
  composer.focus();
  warmUpHighlighting();
  return { channel, log, composer, header };
}

/** Links and code-block buttons in rendered markdown, by delegation (the markup has no handlers). */
function wireLogClicks(root: HTMLElement, post: Post): void {
  const activate = (target: Element): boolean => {
    const link = target.closest('.md-link');
    if (link) {
      const href = link.getAttribute('data-href') ?? '';
      // Checked again here: only http(s) ever reaches the host, whatever the markup says.
      if (isWebUrl(href)) post('link.open', { href });
      return true;
    }
    const codeButton = target.closest<HTMLButtonElement>('.code-copy, .code-insert');
    if (codeButton) {
      const text = codeButton.closest('.code-block')?.querySelector('code')?.textContent ?? '';
      const copy = codeButton.classList.contains('code-copy');
      post(copy ? 'code.copy' : 'code.insert', { text });
      acknowledge(codeButton, copy ? 'Copied' : 'Inserted');
      return true;
    }
    return false;
  };
  root.addEventListener('click', (e) => {
    if (e.target instanceof Element && activate(e.target)) e.preventDefault();
  });
  root.addEventListener('keydown', (e) => {
    if ((e.key === 'Enter' || e.key === ' ') && e.target instanceof Element && e.target.matches('.md-link')) {
      e.preventDefault();
      activate(e.target);
    }
  });
}

function acknowledge(b: HTMLButtonElement, word: string): void {
  const label = b.getAttribute('aria-label') ?? '';
  const glyph = b.querySelector('.codicon');
  glyph?.replaceWith(icon('check'));
  b.setAttribute('aria-label', word);
  setTimeout(() => {
    b.querySelector('.codicon')?.replaceWith(glyph ?? '');
    b.setAttribute('aria-label', label);
  }, 1200);
}

function closeOnOutsideClick(history: HistoryPanel, toggle: HTMLElement): void {
  document.addEventListener('mousedown', (e) => {
    if (history.open && e.target instanceof Node && !history.element.contains(e.target) && !toggle.contains(e.target))
      history.close();
  });
}
