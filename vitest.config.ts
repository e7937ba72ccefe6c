import { defineConfig } from 'vitest/config'

/*
 * One config for every suite; the npm scripts pick the folders (README "Development").
 * Files run one at a time: the suites start real processes, Redis instances and browsers, and the machines are
 * small and shared. Time limits are generous for the same reason; tests assert outcomes, never durations.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 180_000,
    teardownTimeout: 30_000,
  },
})
