/** Where the session layer writes its protocol-level log (the extension points it at a LogOutputChannel). */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** Header values that must never reach a log. */
const SECRET_HEADERS = /^(authorization|api-key|x-api-key|openai-api-key)$/i;

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = SECRET_HEADERS.test(k) ? '<redacted>' : v;
  return out;
}
