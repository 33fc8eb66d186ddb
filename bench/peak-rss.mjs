// Peak resident memory of this process, for the benchmarks' memory column.
import { readFileSync } from 'node:fs';

/** VmHWM (the peak resident set) in MB on Linux; the current RSS elsewhere. */
export function peakRssMb() {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) / 1024;
  } catch {
    // not Linux: fall through
  }
  return process.memoryUsage().rss / 2 ** 20;
}
