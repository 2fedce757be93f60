// Two projects: `unit` (Node only, no external tools) and `integration` (real engines and services).
// ts-jest transpiles without type-checking for speed; `npm test` type-checks the whole tree first.
const transform = { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] };

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
