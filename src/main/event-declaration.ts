/**
 * What makes a class an event class: a declaration on its prototype (its resolved fields,
 * its compiled record encoder, its constructor's checks and defaults). The base class reads
 * it in its constructor, and every collector that writes a record looks it up here, so a
 * record is always written by this package's encoder for the event's own class.
 */

import { errors } from './errors.js';
import type { EventSpec } from './event-definition.js';
import type { RecordEncoder } from './record-encoder.js';

export const DECLARATION = Symbol('calute-audit.declaration');

/** Passed by this package's own code (the emitter) whose options are already checked. */
export const TRUSTED = Symbol('calute-audit.trusted');

export interface Declaration {
  /** The class declared; a subclass inherits the property but is not its owner. */
  readonly owner: abstract new (
    ...args: never[]
  ) => object;
  readonly spec: EventSpec;
  readonly encoder: RecordEncoder;
  /** Throws an `AuditOptionError` naming the option that is unknown or of the wrong type. */
  readonly validate: (options: unknown) => void;
  /** Sets every property in record order, from options (already checked) and defaults. */
  readonly init: (event: object, options: Record<string, unknown>) => void;
  /** The properties an instance has; another own property would not reach the record. */
  readonly props: ReadonlySet<string>;
  /** Set once an instance was checked for properties the declaration does not know. */
  verified: boolean;
}

type Declared = { [DECLARATION]?: Declaration };

/** The declaration of `cls` itself; throws if `cls` only inherits one (an undeclared subclass). */
export function declarationOfClass(cls: { prototype: unknown; name: string }): Declaration {
  const declaration = (cls.prototype as Declared)[DECLARATION];
  if (declaration === undefined || declaration.owner !== (cls as unknown))
    throw errors.undeclaredEvent(cls.name);
  return declaration;
}

/**
 * The declaration that writes `event`'s record. Throws an `AuditError` for anything that is
 * not an instance of a declared event class: a plain object, an object of another library,
 * an instance of an undeclared subclass made without its constructor.
 */
export function declarationOfEvent(event: unknown): Declaration {
  let prototype: Declared | null = null;
  try {
    if (typeof event === 'object' && event !== null)
      prototype = Object.getPrototypeOf(event) as Declared | null;
  } catch {
    prototype = null;
  }
  const declaration = prototype?.[DECLARATION];
  if (declaration === undefined) throw errors.notAnEvent(event);
  if (declaration.owner.prototype !== prototype) {
    throw errors.undeclaredEvent(
      (prototype?.constructor as { name?: string } | undefined)?.name ?? 'anonymous',
    );
  }
  if (!declaration.verified) verifyProperties(event as object, declaration);
  return declaration;
}

/**
 * Once per class: an instance's own properties must all be declared fields. A class field
 * added in a declared class's body (`extra = 1`) would otherwise be silently left out of
 * every record, and one redeclared without `declare` written as null; both are refused,
 * with the names.
 */
function verifyProperties(event: object, declaration: Declaration): void {
  const unknown = Object.keys(event).filter((key) => !declaration.props.has(key));
  if (unknown.length > 0) throw errors.undeclaredFields(declaration.owner.name, unknown);
  // A field the class body redeclares without `declare` (TypeScript's `query!: string`) is
  // reset to undefined after the constructor set it: every record would say null.
  const reset = declaration.spec.fields
    .filter((field) => !field.optional && (event as Record<string, unknown>)[field.prop] === undefined)
    .map((field) => field.prop);
  if (reset.length > 0) throw errors.redeclaredFields(declaration.owner.name, reset);
  declaration.verified = true;
}

/** Every event type declared so far (built-in and defined), for checks that name fields. */
export const DECLARED_SPECS = new Set<EventSpec>();
