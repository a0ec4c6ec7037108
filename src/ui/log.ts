import type * as vscode from 'vscode';
import type { Logger } from '../session/log.ts';

/** The session's protocol log, into the "Warmline" log channel (its level is the user's to set). */
export function outputLogger(channel: vscode.LogOutputChannel): Logger {
  return {
    trace: (m) => channel.trace(m),
    debug: (m) => channel.debug(m),
    info: (m) => channel.info(m),
    warn: (m) => channel.warn(m),
    error: (m) => channel.error(m),
  };
}
