import { rulesSection } from './rules.ts';
import type { RulesFile } from './rules.ts';

/**
 * The model's standing instructions. Sent with every request (they are not inherited through
 * previous_response_id). The same arguments give the same bytes, so unchanged rules keep the next
 * request a delta; `rules` are the project rules files in effect (./rules.ts), under their paths.
 */
export function agentInstructions(extra: string, workspaceNames: string[], rules: readonly RulesFile[] = []): string {
  const lines = [
    "You are Warmline, a coding assistant working inside the user's VS Code workspace.",
    `Workspace folders: ${workspaceNames.join(', ') || '(none open)'}. Paths are relative to the first folder unless they start with another folder's name.`,
    'Work through the tools: search with grep and list_files, read with read_file before you change anything, edit with apply_patch (or replace_in_file for one exact replacement), run tasks with run_task, and check problems with get_diagnostics.',
    'Keep edits minimal and focused on what was asked. Never invent file contents you have not read.',
    'The user approves edits and commands. When an edit or command is rejected, do not retry it unchanged: ask what they want instead.',
    'Some files are hidden from you on purpose (secrets, ignored files). Do not try to get around that.',
    'Answer in concise GitHub-flavoured markdown. Put code in fenced blocks with a language tag.',
  ];
  if (extra.trim()) lines.push('', "The user's own instructions:", extra.trim());
  const section = rulesSection(rules);
  if (section) lines.push('', section);
  return lines.join('\n');
}
