/**
 * Carries errors across the thread/process boundary. The structured-clone algorithm keeps only
 * `message` (and sometimes `stack`) of an Error and drops `code` and every own property, so errors
 * travel as plain records and are rebuilt on the other side. Used on error paths only.
 */

import { errorClassFor } from './errors.js';

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  /** Constructor to rebuild with when it is a builtin (Error, TypeError, ...). */
  readonly ctor: string;
  /** Own enumerable properties (`code`, `errno`, user fields) that survived cloning. */
  readonly props: Record<string, unknown>;
  readonly cause?: SerializedError | { readonly value: unknown };
}

const builtins: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

function cloneable(value: unknown): boolean {
  const t = typeof value;
  if (value === null || t === 'string' || t === 'number' || t === 'boolean' || t === 'bigint' || t === 'undefined') return true;
  if (t === 'function' || t === 'symbol') return false;
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

export function serializeError(err: unknown, depth = 0): SerializedError {
  if (!(err instanceof Error)) {
    return {
      name: 'Error',
      message: typeof err === 'string' ? err : `Non-error value thrown: ${safeString(err)}`,
      stack: undefined,
      ctor: 'Error',
      props: cloneable(err) ? { thrown: err } : {},
    };
  }
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(err)) {
    if (key === 'cause') continue;
    const value = (err as unknown as Record<string, unknown>)[key];
    if (cloneable(value)) props[key] = value;
  }
  // `code` is often an own non-enumerable or a getter (our own classes): keep it either way.
  const code = (err as { code?: unknown }).code;
  if (code !== undefined && !('code' in props) && cloneable(code)) props.code = code;
  let ctor = 'Error';
  for (let proto: unknown = Object.getPrototypeOf(err); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const name = (proto as { constructor?: { name?: string } }).constructor?.name;
    if (name !== undefined && name in builtins) {
      ctor = name;
      break;
    }
  }
  const out: { -readonly [K in keyof SerializedError]: SerializedError[K] } = {
    name: err.name,
    message: err.message,
    stack: err.stack,
    ctor,
    props,
  };
  if (err.cause !== undefined && depth < 8) {
    out.cause = err.cause instanceof Error ? serializeError(err.cause, depth + 1) : { value: cloneable(err.cause) ? err.cause : safeString(err.cause) };
  }
  return out;
}

/** Rebuilds an error: same constructor when builtin, same name, message, stack, code and fields. */
export function deserializeError(data: SerializedError): Error {
  const Ctor = builtins[data.ctor] ?? Error;
  const err = new Ctor(data.message);
  // A loopfleet error raised in the worker comes back as its own class.
  const Own = errorClassFor(data.props.code);
  if (Own !== undefined && data.name === Own.name) Object.setPrototypeOf(err, Own.prototype);
  if (err.name !== data.name) {
    Object.defineProperty(err, 'name', { value: data.name, configurable: true, writable: true, enumerable: false });
  }
  if (data.stack !== undefined) {
    Object.defineProperty(err, 'stack', { value: data.stack, configurable: true, writable: true, enumerable: false });
  }
  for (const [key, value] of Object.entries(data.props)) {
    if (key === 'name' || key === 'message' || key === 'stack') continue;
    (err as unknown as Record<string, unknown>)[key] = value;
  }
  if (data.cause !== undefined) {
    const cause = 'value' in data.cause ? data.cause.value : deserializeError(data.cause);
    Object.defineProperty(err, 'cause', { value: cause, configurable: true, writable: true, enumerable: false });
  }
  return err;
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
