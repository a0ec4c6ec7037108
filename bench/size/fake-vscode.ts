// A minimal fake `vscode` module for timing activation OUTSIDE VS Code. Anything not modelled
// below is a Proxy stub: property reads return further stubs, calls and `new` return stubs, so
// registration calls (commands, views, status bar items, ...) succeed and do nothing. It is not
// a VS Code: the real-VS-Code activation time comes from the integration tests.
import fs from 'node:fs';
import path from 'node:path';

type Listener = (e: unknown) => unknown;

class EventEmitter {
  private listeners = new Set<Listener>();
  event = (listener: Listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(e: unknown): void {
    for (const l of this.listeners) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

class Disposable {
  private readonly fn: () => void;
  constructor(fn: () => void) {
    this.fn = fn;
  }
  static from(...ds: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => {
      for (const d of ds) d.dispose();
    });
  }
  dispose(): void {
    this.fn();
  }
}

class Uri {
  readonly scheme: string;
  readonly authority = '';
  readonly path: string;
  readonly query = '';
  readonly fragment = '';
  constructor(scheme: string, p: string) {
    this.scheme = scheme;
    this.path = p;
  }
  static file(p: string): Uri {
    return new Uri('file', path.resolve(p));
  }
  static parse(s: string): Uri {
    const u = new URL(s);
    return new Uri(u.protocol.replace(/:$/, ''), decodeURIComponent(u.pathname));
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(base.scheme, path.posix.join(base.path, ...parts));
  }
  get fsPath(): string {
    return this.path;
  }
  with(change: { scheme?: string; path?: string }): Uri {
    return new Uri(change.scheme ?? this.scheme, change.path ?? this.path);
  }
  toString(): string {
    return `${this.scheme}://${this.path}`;
  }
  toJSON(): unknown {
    return { scheme: this.scheme, path: this.path };
  }
}

function memento() {
  const m = new Map<string, unknown>();
  return {
    get: (k: string, d?: unknown) => (m.has(k) ? m.get(k) : d),
    update: async (k: string, v: unknown) => {
      if (v === undefined) m.delete(k);
      else m.set(k, v);
    },
    keys: () => [...m.keys()],
    setKeysForSync: () => {},
  };
}

/** A do-nothing object of any shape. Never thenable (so `await stub` does not hang). */
export function stub(name: string): unknown {
  const cache = new Map<PropertyKey, unknown>();
  // biome-ignore lint/complexity/useArrowFunction: the proxy's construct trap needs a target `new` works on.
  const target = function () {} as unknown as object;
  return new Proxy(target, {
    get(_t, prop) {
      if (prop === 'then') return undefined;
      if (prop === Symbol.toPrimitive) return () => `[vscode stub ${name}]`;
      if (prop === Symbol.iterator) return function* () {};
      if (prop === 'toString' || prop === 'toJSON') return () => `[vscode stub ${name}]`;
      if (prop === 'dispose') return () => {};
      if (prop === 'length') return 0;
      if (!cache.has(prop)) cache.set(prop, stub(`${name}.${String(prop)}`));
      return cache.get(prop);
    },
    set(_t, prop, value) {
      cache.set(prop, value);
      return true;
    },
    has() {
      return true;
    },
    apply() {
      return stub(`${name}()`);
    },
    construct() {
      return stub(`new ${name}`) as object;
    },
  });
}

function withFallback(name: string, real: Record<string, unknown>): unknown {
  const fallback = stub(name) as Record<PropertyKey, unknown>;
  return new Proxy(real, { get: (t, p) => (p in t ? t[p as string] : p === 'then' ? undefined : fallback[p]) });
}

/**
 * The API's top-level runtime names (classes, enums, namespaces, consts, functions), read from
 * @types/vscode. Bundlers copy a CommonJS module's own properties into the `import * as vscode`
 * namespace, so every name must exist as a real property: a Proxy alone is not enough.
 */
function apiNames(root: string): string[] {
  const file = path.join(root, 'node_modules', '@types', 'vscode', 'index.d.ts');
  if (!fs.existsSync(file)) return [];
  const names = new Set<string>();
  for (const m of fs
    .readFileSync(file, 'utf8')
    .matchAll(/^\texport (?:class|enum|namespace|const|function|let|var) (\w+)/gm))
    names.add(m[1] as string);
  return [...names];
}

export function makeFakeVscode(workspaceRoot: string, repoRoot: string): unknown {
  const config = {
    get: (_k: string, d?: unknown) => d,
    has: () => false,
    inspect: () => undefined,
    update: async () => {},
  };
  const configEvent = new EventEmitter();
  const api: Record<string, unknown> = {};
  for (const name of apiNames(repoRoot)) api[name] = stub(`vscode.${name}`);
  return withFallback('vscode', {
    ...api,
    EventEmitter,
    Disposable,
    Uri,
    version: '1.100.0',
    env: withFallback('vscode.env', {
      language: 'en',
      appName: 'fake vscode (bench)',
      machineId: 'bench',
      sessionId: 'bench',
      uiKind: 1,
      remoteName: undefined,
      openExternal: async () => true,
    }),
    workspace: withFallback('vscode.workspace', {
      getConfiguration: () => config,
      onDidChangeConfiguration: configEvent.event,
      workspaceFolders: [{ uri: Uri.file(workspaceRoot), name: path.basename(workspaceRoot), index: 0 }],
      isTrusted: true,
    }),
  });
}

export function makeFakeContext(extensionRoot: string, storageRoot: string): unknown {
  const secretsChanged = new EventEmitter();
  return withFallback('context', {
    subscriptions: [] as { dispose(): unknown }[],
    extensionUri: Uri.file(extensionRoot),
    extensionPath: extensionRoot,
    asAbsolutePath: (p: string) => path.join(extensionRoot, p),
    globalState: memento(),
    workspaceState: memento(),
    secrets: {
      get: async () => undefined,
      store: async () => {},
      delete: async () => {},
      onDidChange: secretsChanged.event,
    },
    storageUri: Uri.file(path.join(storageRoot, 'workspace')),
    globalStorageUri: Uri.file(path.join(storageRoot, 'global')),
    logUri: Uri.file(path.join(storageRoot, 'log')),
    storagePath: path.join(storageRoot, 'workspace'),
    globalStoragePath: path.join(storageRoot, 'global'),
    logPath: path.join(storageRoot, 'log'),
    extensionMode: 1,
  });
}
