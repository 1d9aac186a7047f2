/**
 * The bytes of one record, written straight as UTF-8 JSON: the primitive operations the
 * compiled record encoders (record-encoder.ts) are made of.
 *
 * One buffer holds two regions: the previous record of the encoder's event class and the
 * one being written. A field whose value did not change since the previous record is not
 * encoded again: its bytes (and the constant key text around them) are copied over from the
 * previous region in runs, with `copyWithin`, which stays inside one buffer and measured
 * about 22 ns a call against about 60 ns for `Buffer#copy` or `set()` between buffers
 * (Node 20, this project's 2-core machine, 8 to 200 bytes).
 *
 * Strings are encoded with `utf8Write` and then checked for bytes JSON must escape with a
 * word-at-a-time scan (about 60 ns for 160 bytes, against about 170 ns for a regular
 * expression over the string); the rare string that needs escaping goes through
 * `JSON.stringify`. Nothing here throws because of a value: anything unexpected is written
 * through `stringifySafe`.
 */
import { stringifySafe } from './json-safe.js';
import { formatTimestamp } from './timestamp.js';

/**
 * Fitting a value to its byte cap: each round shrinks the cut by the measured excess, and a
 * little more (FIT_MARGIN) so that rounding does not need another; two rounds fit any text
 * (the bytes per unit vary little within one value), four are allowed.
 */
const FIT_ROUNDS = 4;
const FIT_MARGIN = 0.95;

/** Strings this short are copied character by character; longer ones with `utf8Write`. */
const SHORT_STRING = 16;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** The letter of JSON's two-character escape for a control character (\b \t \n \f \r), or 0. */
const SHORT_ESCAPES = new Uint8Array(0x20);
SHORT_ESCAPES[0x08] = 0x62;
SHORT_ESCAPES[0x09] = 0x74;
SHORT_ESCAPES[0x0a] = 0x6e;
SHORT_ESCAPES[0x0c] = 0x66;
SHORT_ESCAPES[0x0d] = 0x72;
/** JSON.stringify writes `\u001f` with lowercase hex digits. */
const HEX_DIGITS = new Uint8Array([...'0123456789abcdef'].map((digit) => digit.charCodeAt(0)));

const utf8Write = (target: Buffer, text: string, offset: number): number =>
  (target as Buffer & { utf8Write(text: string, offset: number): number }).utf8Write(text, offset);
const latin1Write = (target: Buffer, text: string, offset: number): number =>
  (target as Buffer & { latin1Write(text: string, offset: number): number }).latin1Write(text, offset);

/**
 * Cuts a text longer than `cap` UTF-16 units to about `cap`, marked (`…[truncated: N
 * characters]`, or `…` alone when the marker would not fit). Never splits a surrogate pair.
 */
export function cutText(text: string, cap: number): string {
  const full = `…[truncated: ${text.length} characters]`;
  // A cap too small for the full marker (a record shared out among many long values) still
  // marks the cut, with the ellipsis alone.
  const marker = cap >= full.length ? full : '…';
  let keep = Math.max(0, cap - marker.length);
  const last = text.charCodeAt(keep - 1);
  if (last >= 0xd800 && last <= 0xdbff) keep--;
  return text.slice(0, keep) + marker;
}

export class ByteWriter {
  /** Both regions; `prevBase`/`curBase` say where each starts. */
  buffer: Buffer;
  #words: Int32Array;
  #half: number;
  prevBase = 0;
  curBase: number;
  /** Length of the previous record (the output of the last `end()`). */
  prevLength = 0;
  /** Write position in the current region. */
  pos = 0;
  /** Most bytes one value may take (a string's inside its quotes): longer ones are cut and marked. */
  cap = Number.POSITIVE_INFINITY;

  constructor(half = 1024) {
    this.#half = half;
    this.buffer = Buffer.from(new ArrayBuffer(half * 2));
    this.#words = new Int32Array(this.buffer.buffer);
    this.curBase = half;
  }

  /** Starts a record; the previous one stays readable until `end()`. */
  begin(cap: number): void {
    this.pos = 0;
    this.cap = cap;
    this.ensure(this.prevLength + 64);
  }

  /** Ends the record: it becomes the previous one. Returns its length in bytes. */
  end(): number {
    const base = this.curBase;
    this.curBase = this.prevBase;
    this.prevBase = base;
    this.prevLength = this.pos;
    return this.pos;
  }

  /** Makes room for `extra` more bytes in the current region, keeping both regions' bytes. */
  ensure(extra: number): void {
    const needed = this.pos + extra;
    if (needed <= this.#half) return;
    let half = this.#half * 2;
    while (half < needed) half *= 2;
    const next = Buffer.from(new ArrayBuffer(half * 2));
    this.buffer.copy(next, 0, this.prevBase, this.prevBase + this.prevLength);
    this.buffer.copy(next, half, this.curBase, this.curBase + this.pos);
    this.buffer = next;
    this.#words = new Int32Array(next.buffer);
    this.#half = half;
    this.prevBase = 0;
    this.curBase = half;
  }

  /** Copies bytes `[from, to)` of the previous record. */
  run(from: number, to: number): void {
    const length = to - from;
    if (length <= 0) return;
    this.buffer.copyWithin(this.curBase + this.pos, this.prevBase + from, this.prevBase + to);
    this.pos += length;
  }

  /** Constant ASCII text (keys, literals). */
  ascii(text: string): void {
    this.ensure(text.length);
    const buffer = this.buffer;
    const at = this.curBase + this.pos;
    for (let i = 0; i < text.length; i++) buffer[at + i] = text.charCodeAt(i);
    this.pos += text.length;
  }

  /** Text that already is JSON (from `JSON.stringify` or `stringifySafe`): UTF-8 as it is. */
  json(text: string): void {
    this.ensure(text.length * 3);
    this.pos += utf8Write(this.buffer, text, this.curBase + this.pos);
  }

  /**
   * A string value (quoted), at most `cap` bytes inside its quotes; anything that is not a
   * string is written by `stringifySafe`.
   */
  str(value: unknown): void {
    if (typeof value !== 'string') {
      this.#jsonWithin(value);
      return;
    }
    const at = this.pos;
    this.#quoted(value.length > this.cap ? cutText(value, this.cap) : value);
    // A cut in UTF-16 units bounds the bytes from below only: non-ASCII text takes up to 3
    // bytes a unit, an escaped control character 6. Such a text is cut again, shorter.
    if (this.pos - at - 2 > this.cap) this.#quotedWithin(value, at);
  }

  /** Cuts `value` shorter until its quoted bytes fit `cap` (a few rounds; each shrinks by the excess). */
  #quotedWithin(value: string, at: number): void {
    let units = Math.min(value.length, this.cap);
    for (let round = 0; round < FIT_ROUNDS && this.pos - at - 2 > this.cap; round++) {
      units = Math.floor((units * this.cap * FIT_MARGIN) / (this.pos - at - 2));
      this.pos = at;
      this.#quoted(cutText(value, units));
    }
  }

  /** A value by `stringifySafe`, its JSON at most `cap` bytes (its budget shrunk until it is). */
  #jsonWithin(value: unknown): void {
    const at = this.pos;
    let budget = this.cap;
    this.json(stringifySafe(value, budget));
    for (let round = 0; round < FIT_ROUNDS && this.pos - at > this.cap; round++) {
      budget = Math.floor((budget * this.cap * FIT_MARGIN) / (this.pos - at));
      this.pos = at;
      this.json(stringifySafe(value, budget));
    }
  }

  #quoted(text: string): void {
    const length = text.length;
    this.ensure(length * 3 + 2);
    const buffer = this.buffer;
    const start = this.curBase + this.pos;
    buffer[start] = QUOTE;
    let end = start + 1;
    if (length <= SHORT_STRING) {
      for (let i = 0; i < length; i++) {
        const code = text.charCodeAt(i);
        if (code < 0x20 || code === QUOTE || code === 0x5c || code > 0x7e) {
          end = -1;
          break;
        }
        buffer[end++] = code;
      }
    } else {
      const bytes = utf8Write(buffer, text, end);
      // More bytes than units means non-ASCII: a lone surrogate would have been replaced, not escaped.
      if (bytes !== length && !text.isWellFormed()) end = -1;
      else if (!this.#needsEscape(end, bytes)) end += bytes;
      else {
        // Quotes and backslashes are common (a tool's JSON arguments as a preview): escaped
        // where the bytes already are, instead of JSON.stringify and a second encoding.
        const escaped = this.#escapeInPlace(end, bytes);
        end = escaped === -1 ? -1 : end + escaped;
      }
    }
    if (end === -1) {
      this.json(JSON.stringify(text));
      return;
    }
    buffer[end++] = QUOTE;
    this.pos = end - this.curBase;
  }

  /** A string or null. */
  nullableStr(value: unknown): void {
    if (value === null) this.ascii('null');
    else this.str(value);
  }

  /** A finite number as JSON writes it; anything else by `stringifySafe` (NaN → "NaN"). */
  num(value: unknown): void {
    if (typeof value === 'number' && Number.isFinite(value)) this.ascii(`${value + 0}`);
    else this.#jsonWithin(value);
  }

  nullableNum(value: unknown): void {
    if (value === null) this.ascii('null');
    else this.num(value);
  }

  bool(value: unknown): void {
    if (value === true) this.ascii('true');
    else if (value === false) this.ascii('false');
    else this.#jsonWithin(value);
  }

  /** An object or array, by `stringifySafe`, at most `cap` bytes. */
  value(value: unknown): void {
    this.#jsonWithin(value);
  }

  /** A timestamp from epoch microseconds, in the reference's format, quoted. */
  timestamp(micros: number): void {
    this.ensure(34);
    this.pos += latin1Write(this.buffer, `"${formatTimestamp(micros)}"`, this.curBase + this.pos);
  }

  /** The six digits of the microseconds (the rest of a timestamp repeats within a second). */
  micros(micros: number): void {
    this.ensure(6);
    // Below 10^6 after the remainder: small-integer arithmetic from here on.
    let fraction = (Math.floor(micros) % 1_000_000) | 0;
    const buffer = this.buffer;
    const at = this.curBase + this.pos;
    for (let i = 5; i >= 0; i--) {
      const next = (fraction / 10) | 0;
      buffer[at + i] = 0x30 + fraction - next * 10;
      fraction = next;
    }
    this.pos += 6;
  }

  /**
   * Escapes bytes `[start, start + length)` as JSON.stringify would (`\"`, `\\`, the short
   * escapes, `\u00xx` for other control characters; UTF-8 bytes of other characters stay),
   * moving them back to front so nothing is overwritten before it is read. Returns the new
   * length, or -1 when the current region has no room (the caller falls back to stringify).
   */
  #escapeInPlace(start: number, length: number): number {
    const buffer = this.buffer;
    const end = start + length;
    let extra = 0;
    for (let at = start; at < end; at++) {
      const code = buffer[at];
      if (code === QUOTE || code === BACKSLASH) extra += 1;
      else if (code < 0x20) extra += SHORT_ESCAPES[code] !== 0 ? 1 : 5;
    }
    // Room for the escaped text and the closing quote.
    if (end + extra + 1 > this.curBase + this.#half) return -1;
    let to = end + extra - 1;
    for (let from = end - 1; from >= start && to > from; from--) {
      const code = buffer[from];
      if (code === QUOTE || code === BACKSLASH) {
        buffer[to--] = code;
        buffer[to--] = BACKSLASH;
      } else if (code < 0x20) {
        const short = SHORT_ESCAPES[code];
        if (short !== 0) {
          buffer[to--] = short;
        } else {
          buffer[to--] = HEX_DIGITS[code & 15];
          buffer[to--] = HEX_DIGITS[code >> 4];
          buffer[to--] = 0x30;
          buffer[to--] = 0x30;
          buffer[to--] = 0x75;
        }
        buffer[to--] = BACKSLASH;
      } else {
        buffer[to--] = code;
      }
    }
    return length + extra;
  }

  /**
   * Whether bytes `[start, start + length)` of the buffer hold a byte JSON must escape
   * (a control character, `"` or `\`). Whole 32-bit words are tested at once: for any
   * bytes, `(x - 0x01010101 * n) & ~x & 0x80808080` is non-zero exactly when some byte of
   * x is below n, and `x ^ (0x01010101 * c)` has a zero byte where x has the byte c.
   */
  #needsEscape(start: number, length: number): boolean {
    const buffer = this.buffer;
    const end = start + length;
    let at = start;
    for (; at < end && (at & 3) !== 0; at++) {
      const code = buffer[at];
      if (code < 0x20 || code === QUOTE || code === 0x5c) return true;
    }
    const words = this.#words;
    const lastWord = end >> 2;
    let found = 0;
    for (let index = at >> 2; index < lastWord; index++) {
      const x = words[index];
      const quote = x ^ 0x22222222;
      const backslash = x ^ 0x5c5c5c5c;
      found |=
        ((x - 0x20202020) & ~x) | ((quote - 0x01010101) & ~quote) | ((backslash - 0x01010101) & ~backslash);
    }
    if ((found & 0x80808080) !== 0) return true;
    for (at = Math.max(at, lastWord << 2); at < end; at++) {
      const code = buffer[at];
      if (code < 0x20 || code === QUOTE || code === 0x5c) return true;
    }
    return false;
  }
}
