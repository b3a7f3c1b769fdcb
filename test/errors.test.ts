/** Error classes: stable codes, every code documented, remote errors rebuilt faithfully. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as loopfleet from 'loopfleet';
import { internal } from './helpers.js';

const { deserializeError, serializeError } = (await import(internal('error-codec.js'))) as typeof import('../dist/error-codec.js');

const { ErrorCodes } = loopfleet;

test('every error code is documented in docs/errors.md', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  for (const code of Object.values(ErrorCodes)) assert.ok(doc.includes(`\`${code}\``), `${code} is missing from docs/errors.md`);
});

test('every code is prefixed and unique, and every documented class is exported', () => {
  const codes = Object.values(ErrorCodes);
  assert.equal(new Set(codes).size, codes.length);
  for (const code of codes) assert.match(code, /^LOOPFLEET_ERR_[A-Z_]+$/);
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  for (const [, name] of doc.matchAll(/\| `LOOPFLEET_ERR_[A-Z_]+` \| `(\w+)`/g)) {
    assert.equal(typeof (loopfleet as Record<string, unknown>)[name as string], 'function', `${name} is not exported`);
  }
});

test('error classes carry their code, name and fields', () => {
  const crash = new loopfleet.WorkerCrashedError({ workerId: 2, exitCode: null, signal: 'SIGKILL' });
  assert.ok(crash instanceof loopfleet.LoopfleetError && crash instanceof Error);
  assert.equal(crash.name, 'WorkerCrashedError');
  assert.equal(crash.code, 'LOOPFLEET_ERR_WORKER_CRASHED');
  assert.match(crash.message, /Worker 2 crashed \(signal SIGKILL\)/);
  const type = new loopfleet.InvalidArgTypeError('x');
  assert.ok(type instanceof TypeError);
  assert.equal(type.code, 'LOOPFLEET_ERR_INVALID_ARG_TYPE');
  assert.ok(new loopfleet.InvalidArgValueError('x') instanceof RangeError);
  const unknown = new loopfleet.UnknownTaskError('nope', ['a', 'b']);
  assert.deepEqual(unknown.known, ['a', 'b']);
  assert.equal(unknown.message, 'Unknown task "nope"; the worker module registers: "a", "b"');
});

test('serialized errors keep constructor, name, stack, code, fields and cause', () => {
  const cause = new Error('root');
  const err = Object.assign(new TypeError('outer', { cause }), { code: 'E_X', fields: { a: [1, 2] }, fn: () => 1 });
  const back = deserializeError(structuredClone(serializeError(err))) as TypeError & { code: string; fields: unknown; fn?: unknown };
  assert.ok(back instanceof TypeError);
  assert.equal(back.message, 'outer');
  assert.equal(back.stack, err.stack);
  assert.equal(back.code, 'E_X');
  assert.deepEqual(back.fields, { a: [1, 2] });
  assert.equal(back.fn, undefined, 'uncloneable fields are dropped, not fatal');
  assert.equal((back.cause as Error).message, 'root');
  class CustomError extends Error {
    override name = 'CustomError';
  }
  const custom = deserializeError(serializeError(new CustomError('c')));
  assert.equal(custom.name, 'CustomError');
  const thrown = deserializeError(serializeError('a string'));
  assert.equal(thrown.message, 'a string');
  const weird = deserializeError(serializeError({ n: 1 })) as Error & { thrown: unknown };
  assert.deepEqual(weird.thrown, { n: 1 });
});
