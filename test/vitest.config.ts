import { defineConfig } from 'vitest/config';

// Unit and protocol tests run in plain Node (no `vscode`): the session layer against the
// Responses emulator over real loopback sockets, the tools on fixture folders.
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/unit/**/*.test.ts', 'test/emulator/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
