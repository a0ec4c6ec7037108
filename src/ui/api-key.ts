import * as vscode from 'vscode';

const SECRET = 'warmline.apiKey';

/**
 * The API key lives in VS Code's SecretStorage (the OS keychain), or in the environment
 * (`WARMLINE_API_KEY`, then `OPENAI_API_KEY`). It is never written to settings or logs.
 */
export class ApiKeyStore implements vscode.Disposable {
  private readonly secrets: vscode.SecretStorage;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(secrets: vscode.SecretStorage) {
    this.secrets = secrets;
    this.subscription = secrets.onDidChange((e) => { if (e.key === SECRET) this.changed.fire() });
  }

  async get(): Promise<string | undefined> {
    return (await this.secrets.get(SECRET)) || process.env.WARMLINE_API_KEY || process.env.OPENAI_API_KEY || undefined;
  }

  /** Asks for a key in a password box; returns false when the user cancelled. */
  async prompt(): Promise<boolean> {
    const key = await vscode.window.showInputBox({
      title: 'Warmline: Set API Key',
      prompt: 'Your OpenAI API key (stored in VS Code\'s secret storage, never in settings)',
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim().length < 8 ? 'That does not look like an API key.' : /\s/.test(v.trim()) ? 'An API key has no spaces.' : undefined),
    });
    if (!key) return false;
    await this.set(key);
    return true;
  }

  async set(key: string): Promise<void> { await this.secrets.store(SECRET, key.trim()) }

  async clear(): Promise<void> { await this.secrets.delete(SECRET) }

  dispose(): void { this.subscription.dispose(); this.changed.dispose() }
}
