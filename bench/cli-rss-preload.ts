/**
 * Loaded with `node --import` into a command the CLI bench runs: at exit, writes the
 * process's peak RSS (bytes) to the file named by CALUTE_AUDIT_BENCH_RSS.
 */
import fs from 'node:fs';

const target = process.env.CALUTE_AUDIT_BENCH_RSS;
if (target) {
  process.on('exit', () => {
    fs.writeFileSync(target, String(process.resourceUsage().maxRSS * 1024));
  });
}
