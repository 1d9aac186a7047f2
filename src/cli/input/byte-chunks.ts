/**
 * The bytes of one source, in large chunks, gunzipped when they start with gzip's magic
 * number (so a `.gz` file, a renamed one and gzipped stdin are all read the same way).
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { describeSystemError, inputError } from '../errors.js';
import type { TrailSource } from './sources.js';

/**
 * Bytes read at a time. 1 MiB holds about 3,000 records of the usual 300-400 bytes, so what
 * is paid once per chunk (a read call, `stats`' latin1 view of the chunk, one write of
 * `filter`'s output, one wait for the output's reader) is spread thin; and it bounds the
 * reader's memory to a few chunks whatever the file's size.
 */
export const CHUNK_BYTES = 1024 * 1024;

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

export interface ChunkOptions {
  /** Told the size of every raw (still compressed) chunk as it is read. */
  readonly onRawBytes?: (bytes: number) => void;
  /** The stream stdin is read from. @default process.stdin */
  readonly stdin?: NodeJS.ReadableStream;
}

/** The source's bytes, decompressed. Errors name the source. */
export async function* chunksOf(source: TrailSource, options: ChunkOptions = {}): AsyncGenerator<Buffer> {
  const raw =
    source.path === null
      ? (options.stdin ?? process.stdin)
      : fs.createReadStream(source.path, { highWaterMark: CHUNK_BYTES });
  const counted = countBytes(raw, options.onRawBytes);
  try {
    const first = await counted.next();
    if (first.done) return;
    const head = first.value;
    if (head.length >= 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1) {
      yield* gunzip(source, head, counted);
    } else {
      yield head;
      for (;;) {
        const next = await counted.next();
        if (next.done) return;
        yield next.value;
      }
    }
  } catch (error) {
    if (error instanceof Error && 'exitCode' in error) throw error;
    throw inputError(describeSystemError(source.name, error), error);
  } finally {
    await counted.return(undefined);
    if (source.path !== null) (raw as fs.ReadStream).destroy();
  }
}

async function* countBytes(
  raw: NodeJS.ReadableStream,
  onRawBytes: ((bytes: number) => void) | undefined,
): AsyncGenerator<Buffer, void, undefined> {
  for await (const chunk of raw) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    onRawBytes?.(bytes.length);
    yield bytes;
  }
}

async function* gunzip(
  source: TrailSource,
  head: Buffer,
  rest: AsyncGenerator<Buffer, void, undefined>,
): AsyncGenerator<Buffer> {
  async function* compressed() {
    yield head;
    yield* rest;
  }
  const inflater = zlib.createGunzip({ chunkSize: CHUNK_BYTES });
  const input = Readable.from(compressed(), { objectMode: false });
  input.on('error', (error) => inflater.destroy(error));
  input.pipe(inflater);
  try {
    for await (const chunk of inflater) yield chunk as Buffer;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code?.startsWith('Z_')) {
      throw inputError(`${source.name}: not a whole gzip file (${(error as Error).message})`, error);
    }
    throw error;
  } finally {
    input.destroy();
  }
}
