/** Jest runs the TypeScript sources through swc (transpile only); `npm test` type-checks with tsc first. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/cdktf.out/'],
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  testTimeout: 60000,
  // Jest's default on 2 cores is one worker; the suites wait on sockets and child processes as
  // much as on CPU, so two workers take the suite from ~106 s to ~63 s on the project machine.
  maxWorkers: 2,
};
