import * as vscode from 'vscode';
import type { TransportSetting } from '../session/manager.ts';
import type { ToolSettings } from '../tools/types.ts';

/** `warmline.*` settings, read fresh each time (they change under us). */
export interface WarmlineSettings {
  baseUrl: string;
  model: string;
  transport: TransportSetting;
  organization?: string;
  project?: string;
  extraHeaders: Record<string, string>;
  store: boolean;
  maxToolCalls: number;
  instructions: string;
  tools: ToolSettings;
}

export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export function readSettings(): WarmlineSettings {
  const c = vscode.workspace.getConfiguration('warmline');
  const headers = c.get<Record<string, unknown>>('extraHeaders') ?? {};
  return {
    baseUrl: (c.get<string>('baseUrl') || DEFAULT_BASE_URL).trim(),
    model: c.get<string>('model') || 'gpt-5.1',
    transport: c.get<TransportSetting>('transport') ?? 'websocket',
    organization: c.get<string>('organization') || undefined,
    project: c.get<string>('project') || undefined,
    extraHeaders: Object.fromEntries(Object.entries(headers).filter(([, v]) => typeof v === 'string')) as Record<string, string>,
    store: c.get<boolean>('store') ?? false,
    maxToolCalls: c.get<number>('maxToolCalls') ?? 50,
    instructions: c.get<string>('instructions') ?? '',
    tools: {
      edits: c.get<'ask' | 'auto'>('approvals.edits') ?? 'ask',
      tasks: c.get<'ask' | 'auto' | 'off'>('approvals.tasks') ?? 'ask',
      shell: { enabled: c.get<boolean>('shell.enabled') ?? false, allow: c.get<string[]>('shell.allow') ?? [] },
      secretPatterns: c.get<string[]>('secretPatterns') ?? [],
      maxOutputBytes: 24 * 1024,
      maxReadBytes: 1024 * 1024,
      maxListEntries: 500,
      maxGrepMatches: 200,
      taskTimeoutMs: (c.get<number>('taskTimeoutSeconds') ?? 600) * 1000,
    },
  };
}

/** Local servers (loopback) need no key; anything else does. */
export function needsApiKey(baseUrl: string): boolean {
  try {
    const host = new URL(baseUrl).hostname;
    return !(host === 'localhost' || host === '[::1]' || host === '::1' || /^127\./.test(host));
  } catch {
    return true;
  }
}
