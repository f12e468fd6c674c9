import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // CLI tests spawn the built binary; give a slow shared machine some room.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
