// Test support: runs the independent Python reader of event files (read_tfevents.py, stdlib only) on a
// file, so tests check what the writer wrote against the format rather than against the writer.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The reader script; the CLI's end-to-end test runs it too. */
export const TFEVENTS_READER = join(dirname(fileURLToPath(import.meta.url)), 'read_tfevents.py');

/** One event as the reader decoded it. */
export interface ReadEvent {
  wall_time: number;
  step: number;
  file_version?: string;
  scalars: Record<string, number>;
}

/** What the reader found: the events, or its one-line complaint. */
export type ReadResult = { ok: true; records: number; file_version: string | null; events: ReadEvent[] } | { ok: false; error: string };

/**
 * Reads `file` with the Python reader (the system's python3).
 * @example const r = readEventFile(file); if (r.ok) console.log(r.events.length);
 */
export function readEventFile(file: string): ReadResult {
  const python = process.env.PYTHON ?? '/usr/bin/python3';
  const r = spawnSync(python, [TFEVENTS_READER, file], { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) return { ok: false, error: r.stderr.trim() };
  return { ok: true, ...(JSON.parse(r.stdout) as { records: number; file_version: string | null; events: ReadEvent[] }) };
}
