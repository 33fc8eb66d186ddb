// A checkpoint's two files (model.json + weights.bin, the bytes Node writes to its folder) as one zip
// archive: what the training page downloads, and what unzipping gives back to a folder or a store.
import { unzipSync, zipSync, type Unzipped } from 'fflate';
import { CheckpointError } from './checkpoint-format.js';
import { MAX_MODEL_BYTES } from './model-size-limit.js';

/** A checkpoint's files as bytes, named as in its folder. */
export interface CheckpointArchiveFiles {
  /** model.json, UTF-8. */
  modelJson: Uint8Array;
  weightsBin: Uint8Array;
}

/** The entries of a checkpoint archive, in this order, at its top level. */
export const CHECKPOINT_ARCHIVE_ENTRIES = Object.freeze(['model.json', 'weights.bin'] as const);

// A fixed DOS timestamp (fflate writes local date fields, so a local-time 1980-01-01 is the same
// bytes in every time zone): the same checkpoint always zips to the same archive.
const ARCHIVE_TIME = new Date(1980, 0, 1, 0, 0, 0);

/**
 * Zips model.json and weights.bin (unchanged bytes: unzip gives back exactly Node's files).
 * @example const zip = zipCheckpoint({ modelJson, weightsBin }); // download as checkpoint.zip
 */
export function zipCheckpoint(files: CheckpointArchiveFiles): Uint8Array {
  if (!(files?.modelJson instanceof Uint8Array) || !(files.weightsBin instanceof Uint8Array)) {
    throw new TypeError('zipCheckpoint needs { modelJson, weightsBin } as Uint8Arrays');
  }
  return zipSync(
    {
      'model.json': [files.modelJson, { level: 6, mtime: ARCHIVE_TIME }],
      // float32 weights hardly deflate: stored, so zipping a large network stays instant.
      'weights.bin': [files.weightsBin, { level: 0, mtime: ARCHIVE_TIME }],
    },
    { mtime: ARCHIVE_TIME },
  );
}

/**
 * Reads a checkpoint archive back into its two files; `source` names it in errors. Refuses an archive
 * without either entry, and entries that would inflate beyond the model size limit (a zip bomb).
 * @example const { modelJson, weightsBin } = unzipCheckpoint(bytes, 'checkpoint.zip'); // then decodeCheckpoint
 */
export function unzipCheckpoint(archive: Uint8Array, source = 'checkpoint archive'): CheckpointArchiveFiles {
  if (!(archive instanceof Uint8Array)) throw new TypeError(`${source}: expected the archive's bytes as a Uint8Array`);
  let entries: Unzipped;
  let tooLarge: string | undefined;
  try {
    entries = unzipSync(archive, {
      filter: (file) => {
        if (!(CHECKPOINT_ARCHIVE_ENTRIES as readonly string[]).includes(file.name)) return false;
        if (file.originalSize > MAX_MODEL_BYTES) tooLarge ??= `${file.name} would inflate to ${file.originalSize} bytes, more than ${MAX_MODEL_BYTES}`;
        return tooLarge === undefined;
      },
    });
  } catch (error) {
    throw new CheckpointError(source, `is not a zip archive (${error instanceof Error ? error.message : String(error)})`);
  }
  if (tooLarge) throw new CheckpointError(source, tooLarge);
  const missing = CHECKPOINT_ARCHIVE_ENTRIES.filter((name) => !(name in entries));
  if (missing.length > 0) throw new CheckpointError(source, `expected model.json and weights.bin at the top of the archive, found no ${missing.join(' and no ')}`);
  return { modelJson: entries['model.json'], weightsBin: entries['weights.bin'] };
}
