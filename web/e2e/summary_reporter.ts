// Prints the closing line CI reads, "e2e: N passed, N failed", after the
// default reporter's output. Errors outside a test (a failed setup) count as
// failures, so a run that could not start never reads as green.
import type { Reporter, SerializedError, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<SerializedError>): void {
    let passed = 0;
    let failed = unhandled.length;
    let skipped = 0;
    for (const m of modules) {
      const tests = [...m.children.allTests()];
      const moduleFailed = m.state() === 'failed';
      if (moduleFailed && tests.length === 0) failed += 1; // the file itself failed to load
      for (const t of tests) {
        const state = t.result().state;
        if (state === 'passed') passed += 1;
        // A failed beforeAll leaves its tests unrun: they failed, they were not skipped.
        else if (state === 'failed' || moduleFailed) failed += 1;
        else skipped += 1;
      }
    }
    const tail = skipped > 0 ? `, ${skipped} skipped` : '';
    process.stdout.write(`\ne2e: ${passed} passed, ${failed} failed${tail}\n`);
  }
}
