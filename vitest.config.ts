import { defineConfig } from 'vitest/config';

/**
 * Two groups. `core`: every pure and in-process test, files in parallel. `serial`: tests named
 * `*.serial.test.ts`, which share the machine's real services (RabbitMQ, NATS, PostgreSQL), stop
 * and start broker processes, or spawn OS processes; they run after `core`, one file at a time, so
 * a broker restart in one file never breaks another.
 */
const shared = {
  testTimeout: 60_000,
  // A forgotten `.only` fails the run instead of silently skipping the rest.
  allowOnly: false,
};

export default defineConfig({
  test: {
    ...shared,
    projects: [
      { extends: true, test: { name: 'core', include: ['test/**/*.test.ts'], exclude: ['test/**/*.serial.test.ts', '**/node_modules/**'], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'serial', include: ['test/**/*.serial.test.ts'], fileParallelism: false, testTimeout: 120_000, sequence: { groupOrder: 1 } } },
    ],
  },
});
