// Incremental markdown for a message that is still streaming. The text is split at top-level
// block boundaries: every block before the last one is finished (the parser has already started
// a later block), so it is rendered once into `stable` and never touched again. Each frame only
// the text after the last committed boundary is parsed and rendered into `tail` (usually one
// paragraph or the open code block). Cost per frame is the size of the trailing block, not of
// the message or of the conversation.
import type { Token } from 'markdown-it';
import { h } from '../dom.ts';
import type { FrameQueue } from '../dom.ts';
import { hasReferenceDefinitions, parseMarkdown, renderTokens } from './markdown.ts';
import type { MarkdownEnv } from './markdown.ts';
import { morphChildren } from './morph.ts';
import { sanitizedFragment } from './sanitize.ts';

/** A rendered markdown region. `update` is called on every delta with the whole text so far. */
export interface MarkdownBody {
  readonly element: HTMLElement;
  /** The text grew, or (shorter than before) was reset and restarts. */
  update(text: string): void;
  /** The text is complete: render everything now. */
  finish(text: string): void;
  /** The body left the DOM for good: drop pending work. */
  dispose(): void;
}

export interface BodyHost {
  queue: FrameQueue;
  /** Tells the log that content changed size (to keep it pinned to the bottom). */
  rendered(): void;
}

export type BodyFactory = (host: BodyHost) => MarkdownBody;

/** Index of the first token of the last top-level block, or -1. */
function lastBlockStart(tokens: Token[]): number {
  for (let i = tokens.length - 1; i >= 0; i--) {
    const t = tokens[i];
    if (t && t.level === 0 && t.nesting !== -1) return i;
  }
  return -1;
}

function offsetOfLine(src: string, line: number): number {
  let offset = 0;
  for (let n = 0; n < line; n++) {
    const next = src.indexOf('\n', offset);
    if (next < 0) return src.length;
    offset = next + 1;
  }
  return offset;
}

export class IncrementalMarkdown implements MarkdownBody {
  readonly element: HTMLElement;
  private readonly stable: HTMLElement;
  private readonly tail: HTMLElement;
  private readonly host: BodyHost;
  private text = '';
  /** Characters of `text` already rendered into `stable`. */
  private committed = 0;
  private done = false;
  private whole = false;
  private restartPending = false;
  /** Whether the tail is empty (the last finished block then ends the body: no margin below it). */
  private ended = false;
  private readonly renderTask = (): void => this.render();

  constructor(host: BodyHost) {
    this.host = host;
    this.stable = h('div', { class: 'md-stable' });
    this.tail = h('div', { class: 'md-tail' });
    this.element = h('div', { class: 'markdown' }, this.stable, this.tail);
  }

  update(text: string): void {
    // Shorter text is a reset (text.reset); noted now, since later deltas may grow it past the
    // committed length before the next frame renders.
    if (text.length < this.text.length) this.restartPending = true;
    this.text = text;
    this.done = false;
    this.host.queue.schedule(this.renderTask);
  }

  finish(text: string): void {
    if (text.length < this.text.length) this.restartPending = true;
    this.text = text;
    this.done = true;
    this.host.queue.cancel(this.renderTask);
    this.render();
  }

  dispose(): void {
    this.host.queue.cancel(this.renderTask);
  }

  private render(): void {
    const text = this.text;
    if (this.restartPending || text.length < this.committed) {
      this.restartPending = false;
      this.whole = false;
      this.restart();
    }
    // A reference definition (`[x]: url`) can sit after the text that uses it, so a message that
    // has one renders whole from then on (rare in model output). Only the uncommitted text needs
    // checking: committed text was checked while it was the tail.
    if (!this.whole && hasReferenceDefinitions(text.slice(this.committed))) {
      this.whole = true;
      this.restart();
    }
    const whole = this.whole;
    const src = text.slice(this.committed);
    const env: MarkdownEnv = {};
    const tokens = parseMarkdown(src, env);
    let tailTokens = tokens;
    if (this.done && !whole) {
      this.stable.append(sanitizedFragment(renderTokens(tokens, env)));
      this.committed = text.length;
      tailTokens = [];
    } else if (!whole) {
      const last = lastBlockStart(tokens);
      const line = last > 0 ? tokens[last]?.map?.[0] : undefined;
      if (line !== undefined && line > 0) {
        this.stable.append(sanitizedFragment(renderTokens(tokens.slice(0, last), env)));
        this.committed += offsetOfLine(src, line);
        tailTokens = tokens.slice(last);
      }
    }
    // The tail is mostly what it was a frame ago: update it in place (see morph.ts).
    if (tailTokens.length)
      morphChildren(this.tail, sanitizedFragment(renderTokens(tailTokens, { ...env, streaming: true })));
    else this.tail.replaceChildren();
    // A class, not `:has(+ .md-tail:empty)` in the CSS: that made the browser restyle every
    // finished block each time the tail changed.
    const ended = !tailTokens.length;
    if (ended !== this.ended) this.stable.classList.toggle('md-end', (this.ended = ended));
    this.host.rendered();
  }

  private restart(): void {
    this.stable.replaceChildren();
    this.committed = 0;
  }
}
