// The benchmark's baseline: the same app, but rendered the way a naive chat view does it:
// every delta re-renders the whole message's markdown at once (no block splitting, no frame
// coalescing), and every entry of a loaded chat is built up front (no lazy building).
// Same markdown-it setup, highlighting and sanitizing as the product, so only the strategy differs.
import { startApp } from '../../src/webview/app.ts';
import { renderMarkdown } from '../../src/webview/render/markdown.ts';
import { sanitizedFragment } from '../../src/webview/render/sanitize.ts';
import type { BodyHost, MarkdownBody } from '../../src/webview/render/streaming.ts';
import { h } from '../../src/webview/dom.ts';

class NaiveMarkdown implements MarkdownBody {
  readonly element: HTMLElement = h('div', { class: 'markdown' });
  private readonly host: BodyHost;

  constructor(host: BodyHost) {
    this.host = host;
  }

  update(text: string): void {
    this.element.replaceChildren(sanitizedFragment(renderMarkdown(text)));
    this.host.rendered();
  }

  finish(text: string): void {
    this.update(text);
  }

  dispose(): void {}
}

const root = document.getElementById('app') ?? document.body.appendChild(document.createElement('div'));
startApp({ api: acquireVsCodeApi(), root, createBody: (host) => new NaiveMarkdown(host), lazy: false });
