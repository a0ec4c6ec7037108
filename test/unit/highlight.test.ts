// Highlighting a code block while it streams (src/webview/render/highlight.ts): each frame the
// block is a little longer, and the lines highlight.js already finished at its top level are
// reused. The HTML must be exactly what highlighting the whole block gives, at every length.
import hljs from 'highlight.js/lib/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { highlightCode } from '../../src/webview/render/highlight.ts';

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const SAMPLES: Record<string, string> = {
  ts: `/**
 * A doc comment over
 * several lines.
 */
export async function step(session: Session, items: Item[]): Promise<number> {
  let total = 0; // a trailing comment
  const label = \`turn \${items.length}
spans two lines\`;
  const re = /a+b\\/c/g;
  for (const item of items) {
    const value = await session.send({ input: item, store: false });
    if (!value.ok) throw new Error('turn failed: ' + "quoted \\" text");
    total += value.usage?.outputTokens ?? 0;
  }
  /* block
     comment */
  return total;
}
class
  Named<T> extends Base implements Shape {}
`,
  // Declarations whose name is on a later line: \`class\` alone highlights as a keyword.
  typescript: `let x = 1;
class
  Named extends Base {}
const y = 2;
class

  Spaced {}
`,
  python: `@decorator(arg=1)
def handler(event, *args, **kwargs):
    """A docstring
    over lines."""
    text = f"value {event['id']!r}"
    return [x ** 2 for x in range(10) if x % 2]  # squares
`,
  bash: `#!/usr/bin/env bash
set -euo pipefail
cat <<EOF > out.txt
line one $HOME
EOF
for f in *.ts; do echo "$f"; done
`,
  json: `{
  "name": "warmline",
  "list": [1, 2.5, true, null],
  "nested": { "a": "b\\"c" }
}
`,
  diff: `--- a/src/math.ts
+++ b/src/math.ts
@@ -1,3 +1,4 @@
 export function add(a: number, b: number): number {
-  return a+b;
+  // keep it simple
+  return a + b;
 }
`,
  css: `.log {
  /* a comment */
  background: var(--vscode-sideBar-background, #fff);
}
@media (prefers-reduced-motion: reduce) { .spin { animation: none !important; } }
`,
  rust: `/// Doc
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let s = r#"raw
string"#;
    println!("{s}");
    Ok(())
}
`,
};

afterEach(() => vi.restoreAllMocks());

describe('highlighting a streaming code block', () => {
  for (const [lang, code] of Object.entries(SAMPLES)) {
    it(`${lang}: every length gives the HTML of highlighting it whole`, () => {
      for (const step of [1, 3, 7]) {
        for (let n = 0; n <= code.length; n += step) {
          const prefix = code.slice(0, n);
          const whole = hljs.highlight(prefix, { language: lang, ignoreIllegals: true }).value;
          expect(highlightCode(prefix, lang, escapeHtml, true), `${lang}, ${n} characters`).toEqual({
            html: whole,
            language: lang,
          });
        }
      }
    });
  }

  it('reuses the finished lines: a block streamed in 4-character deltas is highlighted about once, not once per delta', () => {
    const code = Array.from({ length: 8 }, () => SAMPLES.ts).join('');
    const spy = vi.spyOn(hljs, 'highlight');
    let full = 0;
    for (let n = 4; n <= code.length; n += 4) {
      highlightCode(code.slice(0, n), 'ts', escapeHtml, true);
      full += n;
    }
    const processed = spy.mock.calls.reduce((sum, call) => sum + String(call[0]).length, 0);
    // Highlighting whole each time would process `full` characters; reuse leaves the open line
    // (and, inside a multi-line comment or string, the lines since it opened) for each delta.
    expect(processed).toBeLessThan(full / 10);
  });

  it('a different block, or another language, starts afresh', () => {
    const whole = (code: string, lang: string): string =>
      hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
    const first = 'const a = 1;\nconst b = 2;\nconst c = 3;\n';
    expect(highlightCode(first, 'ts', escapeHtml, true).html).toBe(whole(first, 'ts'));
    expect(highlightCode('const x = "a";\n', 'ts', escapeHtml, true).html).toBe(whole('const x = "a";\n', 'ts'));
    expect(highlightCode(first, 'javascript', escapeHtml, true)).toEqual({
      html: whole(first, 'javascript'),
      language: 'javascript',
    });
  });

  it('a finished block is highlighted whole, in one call', () => {
    const code = SAMPLES.ts as string;
    for (let n = 4; n <= code.length; n += 4) highlightCode(code.slice(0, n), 'ts', escapeHtml, true);
    const spy = vi.spyOn(hljs, 'highlight');
    expect(highlightCode(code, 'ts', escapeHtml).html).toBe(
      hljs.highlight(code, { language: 'ts', ignoreIllegals: true }).value,
    );
    expect(spy.mock.calls.map((c) => c[0])).toEqual([code, code]);
  });
});
