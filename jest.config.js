/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/examples'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
  // plugins (examples/, third-party) import the framework by its package name
  moduleNameMapper: { '^fer-mm$': '<rootDir>/src/index.ts', '^fer-mm/(.*)$': '<rootDir>/src/$1' },
  testTimeout: 120000,
};
