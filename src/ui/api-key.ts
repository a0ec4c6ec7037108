import * as vscode from 'vscode';

const LEGACY = 'warmline.apiKey';
const secretName = (provider: string) => `warmline.apiKey.${provider}`;

/**
 * API keys live in VS Code's SecretStorage (the OS keychain), one per provider, or in the
 * environment (`WARMLINE_API_KEY`, then the provider's own variable such as `OPENAI_API_KEY`).
 * They are never written to settings or logs.
 */
export class ApiKeyStore implements vscode.Disposable {
  private readonly secrets: vscode.SecretStorage;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(secrets: vscode.SecretStorage) {
    this.secrets = secrets;
    this.subscription = secrets.onDidChange((e) => {
      if (e.key.startsWith(LEGACY)) this.changed.fire();
    });
  }

  async get(provider = 'openai', envNames: string[] = ['OPENAI_API_KEY']): Promise<string | undefined> {
    const stored =
      (await this.secrets.get(secretName(provider))) ||
      (provider === 'openai' ? await this.secrets.get(LEGACY) : undefined);
    return stored || process.env.WARMLINE_API_KEY || envNames.map((n) => process.env[n]).find((v) => !!v) || undefined;
  }

  /** Asks for a key in a password box; returns false when the user cancelled. */
  async prompt(provider = 'openai', label = 'OpenAI'): Promise<boolean> {
    const key = await vscode.window.showInputBox({
      title: `Warmline: Set API Key (${label})`,
      prompt: `Your ${label} API key (stored in VS Code's secret storage, never in settings)`,
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) =>
        v.trim().length < 8
          ? 'That does not look like an API key.'
          : /\s/.test(v.trim())
            ? 'An API key has no spaces.'
            : undefined,
    });
    if (!key) return false;
    await this.set(key, provider);
    return true;
  }

  async set(key: string, provider = 'openai'): Promise<void> {
    await this.secrets.store(secretName(provider), key.trim());
  }

  async clear(provider = 'openai'): Promise<void> {
    await this.secrets.delete(secretName(provider));
    if (provider === 'openai') await this.secrets.delete(LEGACY);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
