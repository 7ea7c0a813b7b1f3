import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    reporters: ["default", "./test/summary-reporter.ts"],
    projects: [
      { test: { name: "unit", include: ["test/emulator/**/*.test.ts", "test/provider/**/*.test.ts", "test/cli/**/*.test.ts", "test/fleet/**/*.test.ts", "test/docs/**/*.test.ts", "test/structure/**/*.test.ts"], testTimeout: 20_000 } },
      // The emulator's console in headless Chromium; the first run on a machine may install Debian's chromium
      // (scripts/ensure-chromium.sh), hence the long hook time-out.
      { test: { name: "console", include: ["test/console/**/*.test.ts"], testTimeout: 30_000, hookTimeout: 600_000 } },
      // The SDKs generated from schema.json, built and imported by Go and Python; the first run on a machine builds
      // Pulumi's code generator (scripts/gen-sdk.sh) and installs Pulumi's Go and Python SDKs, hence the long hook time-out.
      { test: { name: "sdk", include: ["test/sdk/**/*.test.ts"], testTimeout: 600_000, hookTimeout: 1_200_000 } },
      // The end-to-end suites drive the real Pulumi CLI; they share one CLI build and one pack of the package.
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/e2e/global-setup.ts"],
          testTimeout: 300_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
