import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Node by default; a test file that needs a DOM says `@vitest-environment jsdom`.
    environment: 'node'
  }
});
