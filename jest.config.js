/**
 * Jest: the tests under test/. Coverage is measured when asked (`--coverage`, as scripts/test.sh
 * does) over the code the tests are meant to cover, providers/ and spec/ — every file there counts,
 * also one no test loads — and written as a text summary and coverage/coverage-summary.json, which
 * scripts/test.sh holds to docs/coverage-baseline.json (docs/COVERAGE.md).
 * @type {import('jest').Config}
 */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  // providers/ and spec/ are roots too: coverage finds only files under a root, and a file no test
  // loads must count (as 0 %). Tests are only under test/.
  roots: ["<rootDir>/test", "<rootDir>/providers", "<rootDir>/spec"],
  testMatch: ["<rootDir>/test/**/*.test.ts"],
  testTimeout: 60000,
  // Every core: jest's default leaves one free, which on a 2-core machine is one worker for files
  // that spend much of their time waiting on sshd, bash and the fake lab's processes.
  maxWorkers: "100%",
  transform: { "^.+\\.ts$": ["ts-jest", { isolatedModules: true }] },
  collectCoverageFrom: ["<rootDir>/providers/**/*.ts", "<rootDir>/spec/**/*.ts"],
  // V8's own coverage, not istanbul's: istanbul rewrites the code with counters, and Pulumi's
  // serialisation of every dynamic provider then captures them — the component tests ran 5 times
  // slower and hit the 60 s hook timeout (docs/COVERAGE.md).
  coverageProvider: "v8",
  coverageReporters: ["text-summary", "json-summary"],
  coverageDirectory: "<rootDir>/coverage",
};
