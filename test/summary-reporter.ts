import type { Reporter, TestModule } from "vitest/node";

/** Ends the run with one plain line, "N passed, N failed", that any CI log reader understands. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    // A file that fails to load has no tests to fail: it counts as one failure, or the line would say "0 failed".
    let unloaded = 0;
    for (const module of testModules) {
      if (module.state() === "failed" && [...module.children.allTests()].length === 0) unloaded++;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
        else skipped++;
      }
    }
    const files = unloaded ? ` (${unloaded} of them ${unloaded === 1 ? "a file" : "files"} that did not load)` : "";
    process.stdout.write(`\n${passed} passed, ${failed + unloaded} failed${files}${skipped ? `, ${skipped} skipped` : ""}\n`);
  }
}
