/**
 * Output gathered per input chunk and written in one call, waiting for the reader of the
 * stream when it lags (so memory stays flat however large the input). A reader that went
 * away (`calute-audit filter … | head`) ends the command quietly, as it does for `grep`.
 */

/** Thrown when the output's reader went away (EPIPE): the command stops and exits 0. */
export class OutputClosedError extends Error {
  constructor() {
    super('the output was closed by its reader');
    this.name = 'OutputClosedError';
  }
}

export class OutputBuffer {
  readonly #stream: NodeJS.WritableStream;
  #pieces: Buffer[] = [];
  #text = '';
  #error: Error | null = null;

  constructor(stream: NodeJS.WritableStream) {
    this.#stream = stream;
    stream.on('error', (error: Error) => {
      this.#error = error;
    });
  }

  /** Bytes to write as they are (a slice of an input chunk is copied only when written). */
  pushBytes(bytes: Buffer): void {
    if (this.#text.length > 0) this.#flushText();
    this.#pieces.push(bytes);
  }

  pushText(text: string): void {
    this.#text += text;
  }

  /** Writes what was gathered; resolves when the stream can take more. */
  async flush(): Promise<void> {
    this.#check();
    if (this.#text.length > 0) this.#flushText();
    if (this.#pieces.length === 0) return;
    const bytes = this.#pieces.length === 1 ? this.#pieces[0] : Buffer.concat(this.#pieces);
    this.#pieces = [];
    if (!this.#stream.write(bytes)) {
      await writable(this.#stream);
    }
    this.#check();
  }

  #flushText(): void {
    this.#pieces.push(Buffer.from(this.#text, 'utf8'));
    this.#text = '';
  }

  #check(): void {
    const error = this.#error;
    if (error === null) return;
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') throw new OutputClosedError();
    throw error;
  }
}

/** Resolves when the stream drains, closes or fails (its error is kept by the listener above). */
function writable(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}
