// Two projects: `app` (every suite but the browser's) and `browser` (test/e2e, Chromium).
// `npm test` runs both, as CI does; `npm run test:fast` (jest --selectProjects app) skips the browser.
const shared = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // The meilisearch client and intl-messageformat (with its @formatjs parts) ship ES modules only.
    // Node >= 20.19 require()s them natively, but Jest does so only from Node 24.9, so under Jest
    // they are compiled to CommonJS.
    '/node_modules/(meilisearch|intl-messageformat|@formatjs/[^/]+)/.+\\.js$': ['ts-jest', {
      tsconfig: { allowJs: true, module: 'commonjs', moduleResolution: 'node10', target: 'ES2022', ignoreDeprecations: '6.0' },
    }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(meilisearch|intl-messageformat|@formatjs/[^/]+)/)'],
  // Every record a suite writes through a checked store must also pass the mongoose schemas.
  // Every API answer of a test app must match the OpenAPI document (test/helpers/api-contract.ts).
  setupFilesAfterEnv: ['<rootDir>/test/helpers/mongoose-checks.setup.ts', '<rootDir>/test/helpers/api-contract.setup.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...shared, displayName: 'app', testMatch: ['**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/'] },
    { ...shared, displayName: 'browser', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  testTimeout: 30000,
};
