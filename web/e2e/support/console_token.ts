// The admin token `metronome up` printed (its "admin token" line in the log
// global_setup.ts writes), for the console's e2e test. Waits for the line
// within a bound: up prints it once every process listens.
import { readFileSync } from 'node:fs';

export async function adminTokenFromUpLog(logPath: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let text = '';
    try {
      text = readFileSync(logPath, 'utf8');
    } catch {
      /* not written yet */
    }
    const m = /^\s*admin token\s+([0-9a-f]{16,})\s*$/m.exec(text);
    if (m) return m[1];
    if (/admin token\s+ADMIN_TOKEN from the environment/.test(text)) {
      const fromEnv = process.env.ADMIN_TOKEN;
      if (fromEnv) return fromEnv;
      throw new Error('metronome up took ADMIN_TOKEN from an environment this test cannot see');
    }
    if (Date.now() > deadline) throw new Error(`no "admin token" line in ${logPath} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
