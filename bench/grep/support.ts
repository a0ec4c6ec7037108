// The grep benchmark's pure parts, kept apart from run.ts (which runs the benchmark when loaded)
// so the unit tests can check them: reading the grep tool's summary line, and choosing the rg.
import path from 'node:path';
import { findEditorRipgrep, findOnPath, isExecutableFile } from '../../src/tools/ripgrep-locate.ts';

export interface GrepSummary {
  /** Matching lines the tool reports. */
  lines: number;
  /** Files with a match (0 when there is none). */
  files: number;
  /** `N+`: there are more than N (a cap, a cut count or the time limit). */
  atLeast: boolean;
  /** `no matches (time limit)`: the search stopped before it found anything. */
  timedOut: boolean;
}

/**
 * The grep tool's summary, as `src/tools/grep.ts` writes it: `1 match in 1 file`,
 * `3 matches in 2 files`, `200+ matches in 14 files`, `no matches`, `no matches (time limit)`.
 * Anything else throws, naming the text, so a change of wording fails the benchmark loudly.
 */
export function parseGrepSummary(summary: string | undefined): GrepSummary {
  const text = (summary ?? '').trim();
  const none = /^no matches( \(time limit\))?$/.exec(text);
  if (none) return { lines: 0, files: 0, atLeast: false, timedOut: none[1] !== undefined };
  const m = /^(\d[\d,]*)(\+?) (match|matches) in (\d[\d,]*) (file|files)$/.exec(text);
  if (m) {
    const lines = Number(m[1]!.replaceAll(',', ''));
    const files = Number(m[4]!.replaceAll(',', ''));
    // The tool writes the singular for exactly one; "1 matches" or "2 match" is not its wording.
    if ((m[3] === 'match') === (lines === 1) && (m[5] === 'file') === (files === 1) && files > 0) {
      return { lines, files, atLeast: m[2] === '+', timedOut: false };
    }
  }
  throw new Error(`unexpected summary ${JSON.stringify(summary)}`);
}

export interface BenchRipgrep {
  path: string;
  /** Where it came from, for the report. */
  source: 'WARMLINE_BENCH_RG' | 'PATH' | "code-server's VS Code";
}

/** Where `.ci/vscode-tools` installs code-server's VS Code, whose rg the tool tests use too. */
export const editorAppRoot = (repo: string) => path.join(repo, '.tools/vscode/node_modules/code-server/lib/vscode');

/**
 * The rg the benchmark uses as its baseline (and hands to the tool): `WARMLINE_BENCH_RG` when set
 * (it must be an executable file), else `rg` on PATH (Debian's ripgrep), else the rg bundled with
 * code-server's VS Code under `.tools/vscode`, which the project's set-up installs.
 */
export function locateBenchRipgrep(
  env: Record<string, string | undefined>,
  repo: string,
  exists: (p: string) => boolean = isExecutableFile,
): BenchRipgrep | undefined {
  const override = env.WARMLINE_BENCH_RG ? path.resolve(env.WARMLINE_BENCH_RG) : undefined;
  if (override) {
    if (!exists(override)) throw new Error(`WARMLINE_BENCH_RG=${override} is not an executable file`);
    return { path: override, source: 'WARMLINE_BENCH_RG' };
  }
  const onPath = findOnPath('rg', env.PATH, process.platform, exists);
  if (onPath) return { path: onPath, source: 'PATH' };
  const editor = findEditorRipgrep(editorAppRoot(repo), process.platform, process.arch, exists);
  if (editor) return { path: editor, source: "code-server's VS Code" };
  return undefined;
}

/** What a benchmark query looks for: the goals differ by it. */
export type GrepQueryKind = 'rare' | 'frequent' | 'case-insensitive';

/**
 * Issue 17's goal for the grep tool on its ripgrep path, as a ratio to rg alone: at most 1.2x on
 * the frequent regex with the cap lifted (every one of ~350,000 matching lines found, parsed,
 * checked and formatted), at most 1.1x on every other case.
 */
export function grepGoal(kind: GrepQueryKind, capped: boolean): number {
  return kind === 'frequent' && !capped ? 1.2 : 1.1;
}

/** A goal line for the report: the ratio as the table prints it, the goal, and whether it is met (judged on the printed ratio). */
export function goalLine(label: string, ratio: number, goal: number): string {
  const shown = ratio.toFixed(2);
  return `${label}: ${shown}× (goal ≤ ${goal.toFixed(1)}×) ${Number(shown) <= goal ? 'met' : 'NOT met'}`;
}
