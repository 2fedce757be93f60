// Two projects: `unit` (Node only, no external tools) and `integration` (real engines and services).
// esbuild transpiles without type-checking for speed; `npm test` type-checks the whole tree beside it.
const transform = { '^.+\\.ts$': '<rootDir>/scripts/jest-transform.js' };

module.exports = {
  // Integration tests apply real stacks; unit tests never come near this.
  testTimeout: 900000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/__tests__/unit'],
      testMatch: ['**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/__tests__/setup.ts'],
      transform,
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/__tests__/integration'],
      testMatch: ['**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/__tests__/setup.ts'],
      transform,
    },
  ],
};
