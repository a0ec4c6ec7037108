import { defineConfig } from 'vitest/config';

// The provider stage (test/providers/run.ts): the session and the agent loop against a real
// llama.cpp llama-server with a tiny random-weight model (.ci/llama-server builds both). Kept
// out of the unit config: it needs the built server and is slow on 2 cores. One file at a time:
// each starts its own server, and the machine's cores are shared.
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/providers/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
