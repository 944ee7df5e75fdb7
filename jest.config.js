/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/examples'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
  // plugins import the framework (and each other) by package name: map the names to the
  // sources so there is one module instance, hence one set of registries
  moduleNameMapper: {
    '^fer-mm$': '<rootDir>/src/index.ts',
    '^fer-mm/configs/(.*)$': '<rootDir>/configs/$1',
    '^fer-mm/(.*)$': '<rootDir>/src/$1',
    '^@fer-mm/(apvit|transfer)$': '<rootDir>/plugins/$1/index.ts',
    '^@fer-mm/(apvit|transfer)/(.*)$': '<rootDir>/plugins/$1/$2',
  },
  testTimeout: 120000,
};
