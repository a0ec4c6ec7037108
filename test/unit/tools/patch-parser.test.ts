import { describe, expect, it } from 'vitest';
import {
  APPLY_PATCH_LARK_GRAMMAR,
  PatchParseError,
  PatchStreamParser,
  parsePatch,
  parsePatchPrefix,
} from '../../../src/tools/patch-parser.ts';
import type { PatchHunk } from '../../../src/tools/patch-parser.ts';
import { seekSequence } from '../../../src/tools/patch-apply.ts';

const BIG_PATCH = `*** Begin Patch
*** Add File: docs/release-notes.md
+# Release notes
+
+## CLI
+- Surface apply_patch progress while arguments stream.
*** Update File: src/config.rs
@@ impl Config
-    pub apply_patch_progress: bool,
+    pub stream_apply_patch_progress: bool,
     pub include_diagnostics: bool,
@@ fn default_progress_interval()
-    Duration::from_millis(500)
+    Duration::from_millis(250)
*** Delete File: src/legacy_patch_progress.rs
*** Update File: crates/cli/src/main.rs
*** Move to: crates/cli/src/bin/codex.rs
@@ fn run()
-    let args = Args::parse();
-    dispatch(args)
+    let cli = Cli::parse();
+    dispatch(cli)
*** Add File: tests/fixtures/progress.json
+{
+  "type": "apply_patch_progress"
+}
*** Update File: README.md
@@ Development workflow
 Build the Rust workspace before opening a pull request.
+When touching streamed tool calls, include parser coverage for partial input.
*** End of File
*** Delete File: docs/old.md
*** End Patch`;

function parseError(text: string): PatchParseError {
  try {
    parsePatch(text);
  } catch (e) {
    expect(e).toBeInstanceOf(PatchParseError);
    return e as PatchParseError;
  }
  throw new Error('expected a parse error');
}

describe('parsePatch', () => {
  it('parses every kind of hunk', () => {
    const { hunks } = parsePatch(BIG_PATCH);
    expect(hunks.map((h) => `${h.kind} ${h.path}`)).toEqual([
      'add docs/release-notes.md',
      'update src/config.rs',
      'delete src/legacy_patch_progress.rs',
      'update crates/cli/src/main.rs',
      'add tests/fixtures/progress.json',
      'update README.md',
      'delete docs/old.md',
    ]);
    expect(hunks[0]).toMatchObject({
      contents: '# Release notes\n\n## CLI\n- Surface apply_patch progress while arguments stream.\n',
    });
    const config = hunks[1] as Extract<PatchHunk, { kind: 'update' }>;
    expect(config.chunks).toHaveLength(2);
    expect(config.chunks[0]).toMatchObject({
      context: 'impl Config',
      oldLines: ['    pub apply_patch_progress: bool,', '    pub include_diagnostics: bool,'],
      newLines: ['    pub stream_apply_patch_progress: bool,', '    pub include_diagnostics: bool,'],
      endOfFile: false,
    });
    expect(hunks[3]).toMatchObject({ moveTo: 'crates/cli/src/bin/codex.rs' });
    expect((hunks[5] as Extract<PatchHunk, { kind: 'update' }>).chunks[0]!.endOfFile).toBe(true);
  });

  it('accepts a first hunk without @@, CRLF line ends, padded markers and a heredoc wrapper', () => {
    expect(
      parsePatch('*** Begin Patch\n*** Update File: a.py\n import foo\n+bar\n*** End Patch').hunks[0],
    ).toMatchObject({ chunks: [{ oldLines: ['import foo'], newLines: ['import foo', 'bar'] }] });
    expect(parsePatch('*** Begin Patch\r\n*** Add File: a\r\n+x\r\n*** End Patch\r\n').hunks).toEqual([
      { kind: 'add', path: 'a', contents: 'x\n', line: 2 },
    ]);
    expect(parsePatch('*** Begin Patch \n  *** Update File: f\n@@\n-one\n+two\n *** End Patch\n').hunks).toHaveLength(
      1,
    );
    expect(parsePatch("<<'EOF'\n*** Begin Patch\n*** Delete File: x\n*** End Patch\nEOF\n").hunks).toEqual([
      { kind: 'delete', path: 'x', line: 3 },
    ]);
  });

  it('names the line of what is malformed', () => {
    expect(parseError('bad').message).toMatch(/line 1: the first line of the patch must be '\*\*\* Begin Patch'/);
    expect(parseError('*** Begin Patch\n*** Add File: a\n+x').message).toMatch(/must be '\*\*\* End Patch'/);
    const header = parseError('*** Begin Patch\n*** Add File: a\n+x\n*** Frobnicate File: b\n*** End Patch');
    expect(header.line).toBe(4);
    expect(header.message).toMatch(/'\*\*\* Frobnicate File: b' is not a valid hunk header/);
    const empty = parseError('*** Begin Patch\n*** Update File: test.py\n*** End Patch');
    expect(empty.line).toBe(2);
    expect(empty.message).toMatch(/has no changes/);
    const noMarker = parseError('*** Begin Patch\n*** Update File: a\n@@\n-x\n+y\nstray\n*** End Patch');
    expect(noMarker.line).toBe(6);
    expect(noMarker.message).toMatch(/expected an '@@' line/);
    expect(parseError('*** Begin Patch\n*** Update File: a\n@@\n*** End of File\n*** End Patch').message).toMatch(
      /line 4/,
    );
  });

  it('offers a Lark grammar without empty terminals', () => {
    expect(APPLY_PATCH_LARK_GRAMMAR).toMatch(/^start: begin_patch hunk\+ end_patch/);
    expect(APPLY_PATCH_LARK_GRAMMAR).toContain('"*** Add File: " filename LF add_line+');
    expect(APPLY_PATCH_LARK_GRAMMAR).toContain('TEXT: /[^\\n]+/');
    expect(APPLY_PATCH_LARK_GRAMMAR).not.toMatch(/\/\(\.\*\)\//);
  });
});

describe('parsePatchPrefix (streaming)', () => {
  it('never throws, only grows, and ends where the full parse ends, at every prefix length', () => {
    let previous: PatchHunk[] = [];
    const counts: number[] = [];
    for (let i = 0; i <= BIG_PATCH.length; i++) {
      const hunks = parsePatchPrefix(BIG_PATCH.slice(0, i));
      expect(hunks.length, `prefix ${i}`).toBeGreaterThanOrEqual(previous.length);
      previous.forEach((h, k) => {
        const now = hunks[k]!;
        expect(now.kind).toBe(h.kind);
        expect(now.path).toBe(h.path);
        if (h.kind === 'add' && now.kind === 'add') expect(now.contents.startsWith(h.contents)).toBe(true);
        if (h.kind === 'update' && now.kind === 'update')
          expect(now.chunks.length).toBeGreaterThanOrEqual(h.chunks.length);
      });
      if (hunks.length > previous.length) counts.push(hunks.length);
      previous = hunks;
    }
    expect(counts).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(parsePatchPrefix(`${BIG_PATCH}\n`)).toEqual(parsePatch(BIG_PATCH).hunks);
  });

  it('reports a file as soon as its header line is complete', () => {
    expect(parsePatchPrefix('*** Begin Patch\n*** Add File: src/hel')).toEqual([]);
    expect(parsePatchPrefix('*** Begin Patch\n*** Add File: src/hello.txt\n+hello\n+wor')).toEqual([
      { kind: 'add', path: 'src/hello.txt', contents: 'hello\n', line: 2 },
    ]);
    expect(
      parsePatchPrefix('*** Begin Patch\n*** Update File: src/old.rs\n*** Move to: src/new.rs\n@@\n-old\n+new\n')[0],
    ).toMatchObject({ moveTo: 'src/new.rs', chunks: [{ oldLines: ['old'], newLines: ['new'] }] });
    expect(parsePatchPrefix('not a patch\n')).toEqual([]);
    expect(parsePatchPrefix('*** Begin Patch\n*** Add File: a\n+x\n*** Nonsense\n+y\n')).toHaveLength(1);
  });

  it('streams the same through the incremental parser', () => {
    const p = new PatchStreamParser();
    let last: PatchHunk[] = [];
    for (const ch of BIG_PATCH) last = p.push(ch);
    p.push('\n');
    expect(p.hunks).toEqual(parsePatch(BIG_PATCH).hunks);
    expect(last.length).toBe(7);
  });
});

describe('seekSequence', () => {
  const lines = ['fn main() {', '    let x = 1;   ', '\tprintln!("x");', '    // say “hello” — twice', '}'];

  it('matches exactly, then ignoring trailing and surrounding whitespace, then unicode punctuation', () => {
    expect(seekSequence(lines, ['fn main() {'], 0, false)).toBe(0);
    expect(seekSequence(lines, ['    let x = 1;'], 0, false)).toBe(1);
    expect(seekSequence(lines, ['println!("x");'], 0, false)).toBe(2);
    expect(seekSequence(lines, ['// say "hello" - twice'], 0, false)).toBe(3);
    expect(seekSequence(lines, ['nope'], 0, false)).toBeUndefined();
  });

  it('prefers the end of the file for end-of-file hunks, and starts at the given line', () => {
    const l = ['a', 'x', 'b', 'x'];
    expect(seekSequence(l, ['x'], 0, true)).toBe(3);
    expect(seekSequence(l, ['x'], 0, false)).toBe(1);
    expect(seekSequence(l, ['x'], 2, false)).toBe(3);
    expect(seekSequence(['a'], ['a', 'b', 'c'], 0, false)).toBeUndefined();
  });
});
