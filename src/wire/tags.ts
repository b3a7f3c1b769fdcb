/**
 * loopfleet's wire format: how a batch (protocol.ts) travels between a pool and a worker, as
 * tagged bytes in a shared ring on threads, and framed on a pipe on processes (frames.ts). The
 * why, and which values take which path, is in encoder.ts.
 *
 * Bytes: `u32 slots`, then per record `u8 kind` and its three slots as tagged values (below).
 * A message on the port is one of:
 * - a number: the bytes are in the shared ring at that offset (ring.ts), nothing else;
 * - an ArrayBuffer: the bytes (the ring had no room), nothing else;
 * - an array: the bytes (either form above) first, then the side values, which Tag.Side indexes.
 * An encoder made for frames (frames.ts) lends its bytes as a Uint8Array instead of an
 * ArrayBuffer; that one never goes on a port.
 */

export const enum Tag {
  Undefined = 0,
  Null = 1,
  False = 2,
  True = 3,
  /** `i32`. */
  Int32 = 4,
  /** `f64`: other numbers, -0 and NaN included. */
  Float64 = 5,
  /** `u32 length`, then one byte per code unit (all below 256). */
  Latin1 = 6,
  /** `u32 length`, then two bytes per code unit (little-endian, lone surrogates kept). */
  Utf16 = 7,
  /** `u16 id`: an interned string sent before on this channel. */
  Known = 8,
  /** A Latin1 or Utf16 string follows, and takes the next interned id. */
  Intern = 9,
  /** `u8 count`, then count × (key, value); keys are Known, Intern, Latin1 or Utf16. */
  Object = 10,
  /** `u8 length`, then the elements. */
  Array = 11,
  /** `u32 length`, then the elements: the protocol's own arrays (the pairs of a group record). */
  List = 12,
  /** `u32 index` into the message's side values. */
  Side = 13,
}

/** Longest string written as bytes; longer ones are cloned (a memcpy there, a loop here). */
export const MAX_STRING = 64;
/** Most keys (or elements) in an object (or array) written as bytes. */
export const MAX_MEMBERS = 32;
/** Interned strings per direction; past this, strings are written out every time. */
export const MAX_INTERNED = 4096;

/** What a batch is on the port (see above). */
export type Wire = number | ArrayBuffer | Uint8Array | unknown[];
