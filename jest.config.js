// One jest run, three projects: `unit` touches no network, `integration` talks to real
// local servers on ephemeral ports, `e2e` exercises the real packaged artifacts.
const shared = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
    // middy ships ES modules only (an `import`-only export map); esbuild bundles it into the
    // function zips, but jest's CommonJS loader can neither resolve nor load it, so jest
    // maps the package to its entry file and compiles it to CommonJS.
    '/node_modules/@middy/.+\\.js$': [
      'ts-jest',
      {
        tsconfig: { allowJs: true, module: 'commonjs', esModuleInterop: true },
        isolatedModules: true,
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  moduleNameMapper: {
    '^@middy/([a-z-]+)$': '<rootDir>/node_modules/@middy/$1/index.js',
    '^@cartoon-compute/core$': '<rootDir>/layers/core/src/index.ts',
    '^@cartoon-compute/core/s3$': '<rootDir>/layers/core/src/s3-image-store.ts',
  },
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
    },
    { ...shared, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
};
