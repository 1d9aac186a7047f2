import os from 'node:os';
import { suggestion } from './did-you-mean.js';

/**
 * Every error this package throws or reports, made in one place so that messages stay
 * stable (tests assert them) and each kind can be told apart with `instanceof` or `code`.
 */

/** Base class: every error from this package is an `AuditError` with a stable `code`. */
export class AuditError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An option or constructor argument was rejected; the message names it. */
export class AuditOptionError extends AuditError {}

/** A file could not be opened or used; the message names the path. */
export class AuditPathError extends AuditError {
  readonly path: string;
  constructor(path: string, message: string, cause?: unknown) {
    super('ERR_AUDIT_PATH', message, { cause });
    this.path = path;
  }
}

/** An event was not an instance of a declared event class (see `defineEvent`). */
export class AuditEventError extends AuditError {}

/** A collector was used after `close()`. */
export class AuditClosedError extends AuditError {}

/** A bounded wait ran out: the message says what was waited for and how long. */
export class AuditTimeoutError extends AuditError {}

/** Writing to the destination failed (ENOSPC, EIO, EBADF, ...); `cause` holds the system error. */
export class AuditWriteError extends AuditError {}

/** The drain worker stopped unexpectedly; the sink has recovered or is recovering. */
export class AuditWorkerError extends AuditError {}

/** Several children of a `CompositeCollector` failed; `errors` holds each, in child order. */
export class AuditCompositeError extends AuditError {
  readonly errors: readonly unknown[];
  constructor(message: string, errors: readonly unknown[]) {
    super('ERR_AUDIT_COMPOSITE', message);
    this.errors = errors;
  }
}

function describe(cause: unknown): string {
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return String(cause);
}

/** A system error for a `-errno` the drain reported (the name from os.constants.errno). */
export function errorFromErrno(errno: number): NodeJS.ErrnoException {
  let name = `errno ${-errno}`;
  for (const [code, value] of Object.entries(os.constants.errno)) if (value === -errno) name = code;
  return Object.assign(new Error(name), { code: name, errno });
}

/** The table of error factories. */
export const errors = {
  option: (name: string, expected: string, got: unknown) =>
    new AuditOptionError(
      'ERR_AUDIT_OPTION',
      `Invalid option "${name}": expected ${expected}, got ${formatValue(got)}`,
    ),
  /**
   * A key Node cannot read. The value is not quoted (it may be a secret); what Node said
   * is the cause.
   */
  unreadableKey: (name: string, expected: string, got: unknown, cause: unknown) =>
    new AuditOptionError(
      'ERR_AUDIT_OPTION',
      `Invalid option "${name}": expected ${expected}, got ${describeKeyInput(got)} that Node cannot read as a key (${(cause as Error)?.message})`,
      { cause },
    ),
  unknownOption: (name: string, key: string, known: readonly string[]) =>
    new AuditOptionError(
      'ERR_AUDIT_OPTION',
      `Invalid option "${name}.${key}": expected one of ${known.join(', ')}, got an unknown option${suggestion(key, known)}`,
    ),
  /** A constructor option of an event class with the wrong type. */
  eventOption: (className: string, name: string, expected: string, got: unknown) =>
    new AuditOptionError(
      'ERR_AUDIT_OPTION',
      `Invalid option "${name}" of ${className}: expected ${expected}, got ${formatValue(got)}`,
    ),
  /** `recordKeys`: each field's record key → its option, so a record key suggests its option. */
  unknownEventOption: (
    className: string,
    name: string,
    known: readonly string[],
    recordKeys?: ReadonlyMap<string, string>,
  ) =>
    new AuditOptionError(
      'ERR_AUDIT_OPTION',
      `Unknown option "${name}" of ${className}${suggestion(name, known, recordKeys)}; its options are ${known.join(', ')}`,
    ),
  /**
   * Outside rotation (logrotate) renames the audit file, and later renames it again, without
   * the checkpoint sidecar the chain keeps beside it: the trail could no longer be verified.
   */
  integrityOutsideRotation: (what: string) =>
    new AuditOptionError(
      'ERR_AUDIT_OPTION',
      `${what} cannot be used with "integrity": an outside rotation moves the audit file without its ` +
        'checkpoint sidecar, and the chain links files by name; use the "rotation" option instead',
    ),
  missingArgument: (method: string, name: string) =>
    new AuditOptionError('ERR_AUDIT_OPTION', `${method} needs "${name}" (a required option)`),
  notAnEvent: (got: unknown) =>
    new AuditEventError(
      'ERR_AUDIT_NOT_AN_EVENT',
      `Expected an AuditEvent (an instance of an event class, e.g. new ToolCallAttemptEvent({...})), got ${formatValue(got)}`,
    ),
  undeclaredEvent: (className: string) =>
    new AuditEventError(
      'ERR_AUDIT_UNDECLARED_EVENT',
      `${className} extends an event class but is not declared, so its records would be written wrong: ` +
        `declare it with defineEvent(${className}, { type, fields }) in a static block, or make it with defineEvent({ extends, type, fields })`,
    ),
  undeclaredFields: (className: string, names: readonly string[]) =>
    new AuditEventError(
      'ERR_AUDIT_UNDECLARED_EVENT',
      `${className} has properties its declaration does not know, which would be left out of its records: ${names.join(', ')} ` +
        '(declare them in the fields of defineEvent, and use `declare` for them in the class body)',
    ),
  redeclaredFields: (className: string, names: readonly string[]) =>
    new AuditEventError(
      'ERR_AUDIT_UNDECLARED_EVENT',
      `${className}'s class body redeclares fields its declaration has, which resets them to undefined after the constructor: ${names.join(', ')} ` +
        `(write \`declare ${names[0]}: ...\` in the class body instead)`,
    ),
  badTarget: (got: unknown) =>
    new AuditOptionError(
      'ERR_AUDIT_TARGET',
      `Invalid target: expected a file path (string or URL) or a writable stream, got ${formatValue(got)}`,
    ),
  openFailed: (path: string, cause: unknown) =>
    new AuditPathError(
      path,
      `Cannot open audit log "${path}" for appending: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause,
    ),
  notRegularFile: (path: string, kind: string) =>
    new AuditPathError(
      path,
      `Refusing to write audit log "${path}": it is a ${kind}, not a regular file (set allowNonRegularFile to allow it)`,
    ),
  closed: (what: string) =>
    new AuditClosedError('ERR_AUDIT_CLOSED', `${what} is closed: cannot emit or flush`),
  flushTimeout: (ms: number) =>
    new AuditTimeoutError(
      'ERR_AUDIT_FLUSH_TIMEOUT',
      `flush timed out after ${ms} ms: the drain worker did not confirm the write`,
    ),
  ringFullTimeout: (ms: number) =>
    new AuditTimeoutError(
      'ERR_AUDIT_RING_FULL_TIMEOUT',
      `emit timed out after ${ms} ms waiting for space in the ring (the destination is not keeping up)`,
    ),
  lockTimeout: (ms: number) =>
    new AuditTimeoutError(
      'ERR_AUDIT_LOCK_TIMEOUT',
      `emit timed out after ${ms} ms waiting for the ring lock (a producer holds it)`,
    ),
  closeTimeout: (ms: number) =>
    new AuditTimeoutError(
      'ERR_AUDIT_CLOSE_TIMEOUT',
      `close timed out after ${ms} ms waiting for the drain worker to stop`,
    ),
  reopenTimeout: (ms: number) =>
    new AuditTimeoutError(
      'ERR_AUDIT_REOPEN_TIMEOUT',
      `reopen timed out after ${ms} ms waiting for the previous reopen to be taken up`,
    ),
  writeFailed: (cause: unknown) =>
    new AuditWriteError('ERR_AUDIT_WRITE', `Writing the audit log failed: ${describe(cause)}`, { cause }),
  workerDied: (detail: string) =>
    new AuditWorkerError('ERR_AUDIT_WORKER_EXIT', `The drain worker stopped unexpectedly (${detail})`),
  workerNotStarted: (detail: string) =>
    new AuditWorkerError('ERR_AUDIT_WORKER_EXIT', `The drain worker could not start (${detail})`),
  composite: (failures: readonly { index: number; name: string; error: unknown }[]) =>
    new AuditCompositeError(
      `${failures.length} collector(s) failed: ${failures
        .map((f) => `#${f.index} ${f.name}: ${f.error instanceof Error ? f.error.message : String(f.error)}`)
        .join('; ')}`,
      failures.map((f) => f.error),
    ),
} as const;

/** What a wrong value was, short enough for one line of an error message. */
function formatValue(value: unknown): string {
  if (typeof value === 'string') return shorten(JSON.stringify(value));
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  if (value === null || typeof value !== 'object') return String(value);
  try {
    const tag = Object.prototype.toString.call(value);
    if (tag !== '[object Object]' && tag !== '[object Array]') return tag;
    return shorten(JSON.stringify(value));
  } catch {
    return 'an object';
  }
}

/** Characters of a wrong value an error message shows: enough to recognise it. */
const MAX_SHOWN_VALUE = 80;

const shorten = (text: string) =>
  text.length <= MAX_SHOWN_VALUE ? text : `${text.slice(0, MAX_SHOWN_VALUE)}…`;

function describeKeyInput(value: unknown): string {
  if (typeof value === 'string') return `text of ${value.length} characters`;
  if (Buffer.isBuffer(value)) return `a Buffer of ${value.length} bytes`;
  return value === null || typeof value !== 'object' ? String(value) : 'an object';
}
