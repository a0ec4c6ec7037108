// Markdown for model output, which is untrusted: raw HTML is escaped (html: false), links never
// carry an href (a click posts `link.open` and the host asks before opening http/https only),
// images are never fetched, and inline styles are replaced by classes (the CSP forbids them).
import MarkdownIt from 'markdown-it';
import type { Env, Token } from 'markdown-it';
import { highlightCode } from './highlight.ts';

const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });
const { escapeHtml, unescapeAll } = md.utils;

/**
 * Links whose scheme can run something are not links at all: markdown-it then leaves the source
 * text as typed. (The default list lets `command:` and `vscode:` through and allows data images.)
 */
const DANGEROUS_SCHEME =
  /^(javascript|vbscript|file|data|command|vscode|vscode-insiders|vscode-webview|vscode-resource|blob|about):/;
md.validateLink = (url: string): boolean => !DANGEROUS_SCHEME.test(url.trim().toLowerCase());

/** The only links a click may ask the host to open. */
export function isWebUrl(href: string): boolean {
  try {
    const u = new URL(href);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

type RenderEnv = Env & {
  linkStack?: string[];
  /** Rendering a streaming message's tail: its last block may be a code block still growing. */
  streaming?: boolean;
};

function attr(token: Token | undefined, name: string): string {
  const v = token?.attrGet(name);
  return v === null || v === undefined ? '' : String(v);
}

/** Which element each open link became, so its close tag matches. */
function linkStack(env: Env | undefined): string[] {
  const e = (env ?? {}) as RenderEnv;
  return (e.linkStack ??= []);
}

const rules = md.renderer.rules;

rules.link_open = (tokens, idx, _options, env) => {
  const href = attr(tokens[idx], 'href');
  const stack = linkStack(env);
  if (isWebUrl(href)) {
    stack.push('a');
    return `<a class="md-link" data-href="${escapeHtml(href)}" title="${escapeHtml(href)}" tabindex="0" role="link">`;
  }
  // Relative paths, mailto: and unknown schemes: shown, not clickable.
  stack.push('span');
  return `<span class="md-link-inert" title="${escapeHtml(`Link not opened: ${href}`)}">`;
};
rules.link_close = (_tokens, _idx, _options, env) => `</${linkStack(env).pop() ?? 'span'}>`;

// Images are never loaded: an image URL is a way to send workspace data to a server the moment it
// renders (prompt-injected exfiltration), and a tracking pixel. An https image becomes a link the
// user can choose to open (through the host's confirmation); anything else is just its alt text.
rules.image = (tokens, idx, options, env) => {
  const token = tokens[idx];
  const src = attr(token, 'src');
  const alt = md.renderer.renderInlineAsText(token?.children ?? [], options, env) || 'image';
  const insideLink = linkStack(env).at(-1) === 'a';
  if (/^https:\/\//i.test(src) && isWebUrl(src) && !insideLink) {
    return (
      `<a class="md-link md-image" data-href="${escapeHtml(src)}" title="${escapeHtml(`Image not loaded: ${src}`)}" tabindex="0" role="link">` +
      `<span class="codicon codicon-file-media" aria-hidden="true"></span>${escapeHtml(alt)}</a>`
    );
  }
  return `<span class="md-image-blocked" title="Image not loaded">[${escapeHtml(alt)}]</span>`;
};

function codeBlock(content: string, lang: string, growing = false): string {
  // The fence's closing newline is not part of the code (it would show as an empty last line).
  const { html, language } = highlightCode(
    content.endsWith('\n') ? content.slice(0, -1) : content,
    lang,
    escapeHtml,
    growing,
  );
  const langClass = language ? ` language-${language.replace(/[^a-z0-9_+-]/g, '')}` : '';
  return (
    '<div class="code-block">' +
    '<div class="code-toolbar">' +
    `<span class="code-lang">${escapeHtml(lang)}</span>` +
    '<button type="button" class="icon-btn code-copy" aria-label="Copy code" title="Copy"><span class="codicon codicon-copy" aria-hidden="true"></span></button>' +
    '<button type="button" class="icon-btn code-insert" aria-label="Insert code at cursor" title="Insert at cursor"><span class="codicon codicon-insert" aria-hidden="true"></span></button>' +
    '</div>' +
    `<pre><code class="hljs${langClass}">${html}</code></pre></div>\n`
  );
}

rules.fence = (tokens, idx, _options, env) => {
  const token = tokens[idx];
  const info = token?.info ? unescapeAll(token.info).trim() : '';
  const growing = (env as RenderEnv | undefined)?.streaming === true && idx === tokens.length - 1;
  return codeBlock(token?.content ?? '', info.split(/\s+/)[0] ?? '', growing);
};
rules.code_block = (tokens, idx) => codeBlock(tokens[idx]?.content ?? '', '');

// Tables: alignment as a class (style attributes are blocked by the CSP), wrapped so wide tables
// scroll instead of widening the sidebar.
rules.table_open = () => '<div class="table-wrap"><table>\n';
rules.table_close = () => '</table></div>\n';
for (const name of ['th_open', 'td_open'] as const) {
  rules[name] = (tokens, idx) => {
    const token = tokens[idx];
    const align = attr(token, 'style').match(/text-align:(left|right|center)/)?.[1];
    return `<${token?.tag ?? 'td'}${align ? ` class="align-${align}"` : ''}>`;
  };
}

export type MarkdownEnv = RenderEnv;

export function parseMarkdown(src: string, env: MarkdownEnv): Token[] {
  return md.parse(src, env);
}

export function renderTokens(tokens: Token[], env: MarkdownEnv): string {
  return md.renderer.render(tokens, md.options, env);
}

export function renderMarkdown(src: string): string {
  return md.render(src, {});
}

/** A reference definition (`[x]: url`) may sit after the text that uses it. */
export function hasReferenceDefinitions(src: string): boolean {
  return /^ {0,3}\[[^\]\n]+\]:/m.test(src);
}
