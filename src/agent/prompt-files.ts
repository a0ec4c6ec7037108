// User prompt files as slash commands (issue 15): `.github/prompts/*.prompt.md` and
// `.warmline/prompts/*.md` in each workspace folder. Read through the host's file system and the
// workspace guard like any tool read (no secrets, no ignored files, nothing outside the
// workspace), bounded in size and count. A file that cannot be used is left out, with a note.
import { WorkspaceGuard } from '../tools/guard.ts';
import type { ToolSettings, WorkspaceHost } from '../tools/types.ts';
import type { PromptCommand } from '../shared/messages.ts';

export const PROMPT_LIMITS = {
  /** Bytes of one prompt file; a longer one is left out (not cut: half a prompt is another prompt). */
  maxBytes: 16 * 1024,
  /** Prompt files listed at most, over every folder. */
  maxFiles: 50,
};

const FOLDERS: ReadonlyArray<{ dir: string; suffix: string }> = [
  { dir: '.github/prompts', suffix: '.prompt.md' },
  { dir: '.warmline/prompts', suffix: '.md' },
];

const NAME = /^[\w.-]{1,64}$/;

export interface PromptFiles {
  prompts: PromptCommand[];
  /** Files left out, and why (logged by the caller). */
  notes: string[];
}

/** The body without its front matter, and the front matter's `description:`. */
export function parsePromptFile(text: string): { body: string; description?: string } {
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const m = /^---\n([\s\S]*?)\n---[ \t]*(?:\n|$)/.exec(src);
  if (!m) return { body: src.trim() };
  let description: string | undefined;
  for (const line of m[1]!.split('\n')) {
    const d = /^description:\s*(.*)$/.exec(line);
    if (d) description = unquote(d[1]!.trim()).slice(0, 200) || undefined;
  }
  return { body: src.slice(m[0].length).trim(), description };
}

function unquote(s: string): string {
  return s.length >= 2 && (s[0] === '"' || s[0] === "'") && s.at(-1) === s[0] ? s.slice(1, -1) : s;
}

/** The prompt files of every workspace folder, in folder order, then by name; the first of a name wins. */
export async function loadPromptFiles(host: WorkspaceHost, settings: ToolSettings): Promise<PromptFiles> {
  const guard = new WorkspaceGuard(host, settings);
  const prompts: PromptCommand[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const root of await guard.loadRoots()) {
    for (const { dir, suffix } of FOLDERS) {
      let entries: Awaited<ReturnType<typeof host.fs.readDirectory>>;
      try {
        entries = await host.fs.readDirectory(guard.uriOf(root, dir));
      } catch {
        continue; // no such folder: the usual case
      }
      const files = entries
        .filter((e) => e.type === 'file' && !e.symlink && e.name.endsWith(suffix))
        .map((e) => e.name)
        .sort();
      for (const file of files) {
        const name = file.slice(0, -suffix.length);
        const display = guard.displayRel(root, `${dir}/${file}`);
        if (!NAME.test(name)) {
          notes.push(`${display}: the name is not usable as a command`);
          continue;
        }
        if (seen.has(name)) continue;
        if (prompts.length >= PROMPT_LIMITS.maxFiles) {
          notes.push(`${display}: more than ${PROMPT_LIMITS.maxFiles} prompt files`);
          continue;
        }
        try {
          const resolved = await guard.resolve(display, 'read');
          if ((resolved.stat?.size ?? 0) > PROMPT_LIMITS.maxBytes) {
            notes.push(`${display}: larger than ${PROMPT_LIMITS.maxBytes} bytes`);
            continue;
          }
          const bytes = await host.fs.readFile(resolved.uri, { maxBytes: PROMPT_LIMITS.maxBytes + 1 });
          if (bytes.byteLength > PROMPT_LIMITS.maxBytes) {
            notes.push(`${display}: larger than ${PROMPT_LIMITS.maxBytes} bytes`);
            continue;
          }
          const { body, description } = parsePromptFile(new TextDecoder().decode(bytes));
          if (!body) {
            notes.push(`${display}: empty`);
            continue;
          }
          seen.add(name);
          prompts.push({ name, description, body, path: display });
        } catch (err) {
          notes.push(`${display}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
  }
  return { prompts, notes };
}
