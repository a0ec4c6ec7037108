import { SessionError } from '../session/errors.ts';
import type { SessionErrorCode } from '../session/errors.ts';
import type { ErrorAction, ErrorView } from '../shared/messages.ts';

/** What the user can do about each error, most useful first (the default: retry, or read the log). */
const ACTIONS: Partial<Record<SessionErrorCode, ErrorAction[]>> = {
  no_api_key: ['setKey'],
  bad_api_key: ['setKey'],
  no_access: ['openSettings', 'showLog'],
  server_unsupported: ['openSettings', 'showLog'],
  proxy: ['openSettings', 'showLog'],
  invalid_request: ['retry', 'showLog'],
  context_length_exceeded: ['compact', 'newChat'],
  compaction_failed: ['newChat', 'showLog'],
};

/** An error as the chat shows it: the session's own message (one per code) and its actions. */
export function errorView(err: unknown): ErrorView {
  if (err instanceof SessionError)
    return { code: err.code, message: err.message, actions: ACTIONS[err.code] ?? ['retry', 'showLog'] };
  return {
    code: 'internal',
    message: `Something went wrong inside Warmline: ${String((err as Error)?.message ?? err)}`,
    actions: ['retry', 'showLog'],
  };
}
