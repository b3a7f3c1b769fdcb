/**
 * Payload encoding over Redis. Arguments and results travel as JSON: Redis is read by workers on
 * other machines and other Node versions, where a V8 serialization format would tie both ends to
 * one engine version. Errors travel as the records of error-codec.ts, also as JSON.
 */
import { DataCloneError, PayloadTooLargeError } from '../errors.js';
import { serializeError, type SerializedError } from '../error-codec.js';

/** JSON of `undefined` would be no text at all; it travels as the empty string. */
export function encode(value: unknown, what: string, limit: number): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new DataCloneError(`${what} as JSON`, err);
  }
  if (text === undefined) {
    if (value !== undefined) throw new DataCloneError(`${what} as JSON`, new TypeError(`${typeof value} has no JSON form`));
    return '';
  }
  // Byte length only matters near the limit; string length is a lower bound.
  if (text.length * 3 > limit) {
    const size = Buffer.byteLength(text);
    if (size > limit) throw new PayloadTooLargeError(what, size, limit);
  }
  return text;
}

export function decode(text: string): unknown {
  return text === '' ? undefined : JSON.parse(text);
}

/** An error as JSON; a field that has no JSON form is dropped rather than losing the error. */
export function encodeError(err: unknown): string {
  const record = serializeError(err);
  try {
    return JSON.stringify(record);
  } catch {
    return JSON.stringify({ ...record, props: { code: record.props.code }, cause: undefined });
  }
}

export function decodeError(text: string): SerializedError {
  return JSON.parse(text) as SerializedError;
}
