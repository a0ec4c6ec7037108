// highlight.js core with a few common languages registered by hand: the full build would add
// ~900 KB to a bundle that must load instantly. Unknown languages are shown plain (no
// auto-detection: it is slow and often wrong on short snippets).
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import cpp from 'highlight.js/lib/languages/cpp';
import csharp from 'highlight.js/lib/languages/csharp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdown from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import shell from 'highlight.js/lib/languages/shell';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';

const languages = {
  bash,
  cpp,
  csharp,
  css,
  diff,
  go,
  java,
  javascript,
  json,
  markdown,
  python,
  rust,
  shell,
  sql,
  typescript,
  xml,
  yaml,
};
for (const [name, fn] of Object.entries(languages)) hljs.registerLanguage(name, fn);
hljs.registerAliases(['sh', 'zsh', 'console'], { languageName: 'bash' });
hljs.registerAliases(['jsonc'], { languageName: 'json' });

/**
 * highlight.js compiles a grammar the first time it is used (tens of ms for TypeScript); doing
 * that for the usual languages while the view is idle keeps it off the first streamed code block.
 */
export function warmUpHighlighting(): void {
  const idle =
    (globalThis as { requestIdleCallback?: (fn: () => void) => void }).requestIdleCallback ??
    ((fn: () => void) => setTimeout(fn, 200));
  const queue = ['typescript', 'javascript', 'python', 'bash', 'json'];
  const next = (): void => {
    const name = queue.shift();
    if (!name) return;
    hljs.highlight('x', { language: name, ignoreIllegals: true });
    idle(next);
  };
  idle(next);
}

/** Highlighting a very large block on every frame would stall the view; such blocks stay plain. */
const MAX_HIGHLIGHT_CHARS = 60_000;

export interface Highlighted {
  /** Escaped HTML (hljs escapes its input; spans carry only `hljs-*` classes). */
  html: string;
  /** The canonical language name, or '' when shown plain. */
  language: string;
}

/**
 * `growing`: the block is the one still streaming, called again every frame a little longer;
 * its settled lines are then not highlighted again (see highlightGrowing).
 */
export function highlightCode(
  code: string,
  lang: string,
  escapeHtml: (s: string) => string,
  growing = false,
): Highlighted {
  const language = lang ? hljs.getLanguage(lang.toLowerCase()) : undefined;
  if (!language || code.length > MAX_HIGHLIGHT_CHARS) return { html: escapeHtml(code), language: '' };
  const name = lang.toLowerCase();
  try {
    const html = growing
      ? highlightGrowing(code, name, language)
      : hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
    return { html, language: name };
  } catch {
    return { html: escapeHtml(code), language: '' };
  }
}

/**
 * The streaming block's settled lines: highlight.js was back at the language's top level after
 * them (not inside a comment, a string or another construct), and highlighting them and the
 * line after them apart gave the same HTML as together. `tried`: where settling last failed
 * (retried when another line completes, not every frame).
 */
let settled = { language: '', code: '', html: '', tried: -1 };

/** highlight.js leaves the mode it ended in on its result; the top level is the language itself. */
function endsAtTopLevel(result: object, language: object): boolean {
  return (result as { _top?: unknown })._top === language;
}

/**
 * The settled lines' HTML plus the rest highlighted on its own: per frame, the cost of the last
 * line or two instead of the whole block. A construct can depend on text more than a line
 * before it, so on rare code this can differ from highlighting the whole block in a token's
 * class; the block is highlighted whole once it is finished (markdown.ts).
 */
function highlightGrowing(code: string, name: string, language: object): string {
  const highlight = (text: string): ReturnType<typeof hljs.highlight> =>
    hljs.highlight(text, { language: name, ignoreIllegals: true });
  if (settled.language !== name || !code.startsWith(settled.code))
    settled = { language: name, code: '', html: '', tried: -1 };
  const from = settled.code.length;
  // Lines settle one line late, and only with a line with something on it after them: a
  // construct can start on one line and go on on the next (`class` on one, its name on the next).
  const complete = code.lastIndexOf('\n') + 1;
  const lastLine = code.lastIndexOf('\n', complete - 2) + 1;
  if (lastLine > from && lastLine !== settled.tried && code.slice(lastLine, complete).trim()) {
    settled.tried = lastLine;
    const before = highlight(code.slice(from, lastLine));
    // Inside a comment or a string the lines cannot settle: no need to check the next line.
    if (
      endsAtTopLevel(before, language) &&
      highlight(code.slice(from, complete)).value === before.value + highlight(code.slice(lastLine, complete)).value
    ) {
      settled = { language: name, code: code.slice(0, lastLine), html: settled.html + before.value, tried: -1 };
    }
  }
  return settled.html + highlight(code.slice(settled.code.length)).value;
}
