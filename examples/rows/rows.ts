/**
 * The CSV format of the rows example, shared by the parent (which writes the file) and the worker
 * (which parses it). Every row is a pure function of its id, so the expected results can be
 * computed without reading the file.
 */

/** One parsed line of the file. */
export interface Row {
  id: number;
  name: string;
  city: string;
  /** The amount, in cents (the file holds it as a decimal, `123.45`). */
  cents: number;
}

export const HEADER = 'id,name,city,amount';

const CITIES = ['Oslo', 'Lima', 'Pune', 'Kyiv', 'Doha', 'Baku', 'Riga', 'Nice'] as const;

/** A 32-bit integer hash (murmur3's finalizer): well-mixed, deterministic pseudo-random fields. */
function mix(n: number): number {
  let x = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The row with this id, as the file holds it. */
export function rowAt(id: number): Row {
  const h = mix(id);
  return { id, name: `user${id}`, city: CITIES[h % CITIES.length] ?? 'Oslo', cents: (h >>> 8) % 100_000 };
}

export function formatRow(row: Row): string {
  return `${row.id},${row.name},${row.city},${(row.cents / 100).toFixed(2)}`;
}

export function parseRow(line: string): Row {
  const fields = line.split(',');
  const [id, name, city, amount] = fields;
  if (fields.length !== 4 || id === undefined || name === undefined || city === undefined || amount === undefined) {
    throw new Error(`Expected a row of 4 fields (${HEADER}), got ${JSON.stringify(line)}`);
  }
  const row = { id: Number(id), name, city, cents: Math.round(Number(amount) * 100) };
  if (!Number.isInteger(row.id) || !Number.isInteger(row.cents)) throw new Error(`Expected numeric id and amount, got ${JSON.stringify(line)}`);
  return row;
}

/** Slots of the Int32Array (on a SharedArrayBuffer) that `findRow` tasks on every worker update. */
export const Meter = {
  /** findRow tasks running now, over all workers. */
  RUNNING: 0,
  /** The most that ever ran at once. */
  MAX_RUNNING: 1,
  /** findRow tasks finished so far: each task takes the next number as its finishing position. */
  FINISHED: 2,
  length: 3,
} as const;
