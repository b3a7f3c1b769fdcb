/**
 * The wire format (src/wire): every value arrives as structured clone would have delivered it,
 * whichever path it took (the thread runtime's shared ring or ArrayBuffers, the process runtime's
 * frames on a pipe), the shared ring never hands out unread bytes, and frames arrive whole
 * however the pipe splits them. "Sending" here is what postMessage does to a message:
 * structuredClone.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BlockList } from 'node:net';
import { Pool } from 'loopfleet';
import { fixture, internal, pool, RUNTIMES } from './helpers.js';

const { WireEncoder } = (await import(internal('wire/encoder.js'))) as typeof import('../dist/wire/encoder.js');
const { WireDecoder } = (await import(internal('wire/decoder.js'))) as typeof import('../dist/wire/decoder.js');
const { newRing, RingReader, RingWriter, RING_BYTES } = (await import(internal('wire/ring.js'))) as typeof import('../dist/wire/ring.js');
const { frame, FrameReader } = (await import(internal('wire/frames.js'))) as typeof import('../dist/wire/frames.js');

type Encoder = InstanceType<typeof WireEncoder>;
type Decoder = InstanceType<typeof WireDecoder>;

// Record kinds (src/protocol.ts): Run, RunMany, OkMany, Ok.
const RUN = 2;
const RUN_MANY = 11;
const OK_MANY = 32;
const OK = 22;

type Mode = 'ring' | 'buffers' | 'pipe';
const MODES: Mode[] = ['ring', 'buffers', 'pipe'];
const MODE_NAMES = { ring: 'through the shared ring', buffers: 'as ArrayBuffers', pipe: 'as frames on a pipe' };

/** What `decode` needs of a decoder here. */
type Receiver = Pick<Decoder, 'decode'>;

function channel(mode: Mode): { enc: Encoder; dec: Receiver } {
  if (mode === 'buffers') return { enc: new WireEncoder(), dec: new WireDecoder() };
  if (mode === 'pipe') return { enc: new WireEncoder(undefined, true), dec: pipeReceiver() };
  const ring = newRing();
  return { enc: new WireEncoder(new RingWriter(ring)), dec: new WireDecoder(new RingReader(ring)) };
}

/**
 * The process runtime's path: each message is framed (side values through node:v8) and reaches a
 * FrameReader in pieces cut at varying places, as a pipe may deliver it.
 */
function pipeReceiver(): Receiver {
  const got: unknown[][] = [];
  const reader = new FrameReader(new WireDecoder(), (batch) => got.push(batch), (err) => {
    throw err;
  });
  let cut = 0;
  return {
    decode(wire) {
      const bytes = frame(wire);
      cut = (cut * 7 + 3) % 11;
      for (let at = 0; at < bytes.length; at += cut + 1) reader.push(bytes.subarray(at, at + cut + 1));
      assert.equal(got.length, 1, 'one frame, one batch');
      return got.pop() as unknown[];
    },
  };
}

function send(enc: Encoder, batch: unknown[]): unknown {
  const wire = structuredClone(enc.encode(batch));
  enc.commit();
  return wire;
}

function roundTrip(enc: Encoder, dec: Receiver, value: unknown): unknown {
  const batch = dec.decode(send(enc, [OK, 7, value, 0]) as never);
  assert.equal(batch.length, 4);
  assert.equal(batch[0], OK);
  assert.equal(batch[1], 7);
  return batch[2];
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

const sparse = [1, , 3];
const tagged = Object.assign([1, 2], { extra: 'kept' });
const nullProto = Object.assign(Object.create(null) as object, { a: 1 });
const holeAndExtra = Object.assign([1, , 3], { x: 9 });
const frozen = Object.freeze({ a: 1, nested: Object.freeze([1]) });
const manyKeys = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i]));

const VALUES: [string, unknown][] = [
  ['undefined', undefined],
  ['null', null],
  ['true', true],
  ['false', false],
  ['int', 42],
  ['negative int', -7],
  ['int32 bounds', [2 ** 31 - 1, -(2 ** 31)]],
  ['past int32', [2 ** 31, -(2 ** 31) - 1, 2 ** 53]],
  ['fraction', 0.1],
  ['NaN', NaN],
  ['Infinity', [Infinity, -Infinity]],
  ['empty string', ''],
  ['latin1 string', 'héllo wörld\u00ff'],
  ['two-byte string', 'naïve 日本 \u{1f600}'],
  ['lone surrogates', 'a\ud800b\udfffc'],
  ['string past the byte limit', 'x'.repeat(65)],
  ['two-byte string past the limit', '日'.repeat(100)],
  ['plain object', { a: 1, b: 'two', c: null, d: undefined, e: true }],
  ['empty object', {}],
  ['integer-like keys', { 2: 'b', 1: 'a', z: 0 }],
  ['unicode keys', { 'ключ': 1, '\ud800': 2 }],
  ['many keys', manyKeys],
  ['array', [1, 'two', null, undefined, false]],
  ['empty array', []],
  ['long array', Array.from({ length: 100 }, (_, i) => i)],
  ['nested', { a: { b: [1, { c: 2 }] } }],
  ['sparse array', sparse],
  ['array with a hole and its own property', holeAndExtra],
  ['frozen object', frozen],
  ['keys Object.prototype also has', { constructor: 'x', toString: 1, hasOwnProperty: null, valueOf: 'v' }],
  ['array with its own property', tagged],
  ['null-prototype object', nullProto],
  ['__proto__ as own key', JSON.parse('{"__proto__": 5, "a": 1}')],
  ['class instance', new Point(1, 2)],
  ['Date', new Date(1e12)],
  ['Map', new Map([[1, { a: 1 }]])],
  ['Set', new Set(['a'])],
  ['RegExp', /a+/gi],
  ['bigint', 10n ** 30n],
  ['typed array', new Float64Array([1.5, -0])],
  ['ArrayBuffer', new Uint8Array([1, 2, 3]).buffer],
  ['Error', Object.assign(new RangeError('bad'), { code: 'E_BAD' })],
  ['object holding a typed array', { data: new Uint8Array([9]) }],
];

for (const mode of MODES) {
  describe(`wire, ${MODE_NAMES[mode]}`, () => {
    test('every kind of value arrives as structured clone delivers it', () => {
      const { enc, dec } = channel(mode);
      for (const [name, value] of VALUES) {
        const got = roundTrip(enc, dec, value);
        assert.deepStrictEqual(got, structuredClone(value), name);
        if (Array.isArray(value)) assert.deepStrictEqual(Object.keys(got as object), Object.keys(value), `${name}: own keys (holes, extras)`);
      }
    });

    test('objects of changing shapes, in runs and alternating, keep their keys and order', () => {
      const { enc, dec } = channel(mode);
      const shapes = [{ a: 1, b: 2 }, { b: 3, a: 4 }, { a: 5 }, { a: 6, b: 7, c: 8 }, { c: 9, a: 10 }, {}];
      const batch = [OK_MANY, 0, 0, [...shapes, ...shapes, ...shapes.reverse()].flatMap((o, i) => [i, o])];
      for (let round = 0; round < 3; round++) {
        const got = dec.decode(send(enc, batch) as never);
        assert.deepStrictEqual(got, batch);
        const pairs = got[3] as unknown[];
        for (let i = 1; i < pairs.length; i += 2) assert.deepStrictEqual(Object.keys(pairs[i] as object), Object.keys((batch[3] as unknown[])[i] as object));
      }
    });

    test('an enumerable property added to Object.prototype does not travel, as with clone', () => {
      const { enc, dec } = channel(mode);
      Object.defineProperty(Object.prototype, 'polluted', { value: 1, enumerable: true, configurable: true });
      try {
        const got = roundTrip(enc, dec, { a: 1 }) as object;
        assert.deepStrictEqual(Object.keys(got), ['a']);
      } finally {
        delete (Object.prototype as { polluted?: unknown }).polluted;
      }
      assert.deepStrictEqual(roundTrip(enc, dec, { a: 2 }), { a: 2 });
    });

    test('a Proxy is refused as clone refuses it, not read through', () => {
      const { enc } = channel(mode);
      for (const target of [{ a: 1 }, [1, 2]]) {
        assert.throws(() => structuredClone(enc.encode([OK, 1, new Proxy(target, {}), 0])), { name: 'DataCloneError' });
        enc.rollback();
      }
    });

    test('an accessor on Object.prototype does not run for a key that arrives, as with clone', () => {
      const { enc, dec } = channel(mode);
      let ran = 0;
      Object.defineProperty(Object.prototype, 'onlySetter', { set: () => void ran++, configurable: true });
      try {
        for (let round = 0; round < 2; round++) {
          const got = roundTrip(enc, dec, { onlySetter: 5, other: 1 }) as Record<string, unknown>;
          assert.deepStrictEqual(Object.getOwnPropertyDescriptor(got, 'onlySetter'), { value: 5, writable: true, enumerable: true, configurable: true });
        }
      } finally {
        delete (Object.prototype as { onlySetter?: unknown }).onlySetter;
      }
      assert.equal(ran, 0);
    });

    test('a batch encoded while another is (a getter sends) arrives first and intact, and so does the outer one', () => {
      const { enc, dec } = channel(mode);
      const sent: unknown[] = [];
      const post = (batch: unknown[]) => {
        sent.push(structuredClone(enc.encode(batch)));
        enc.commit();
      };
      roundTrip(enc, dec, { known: 1 });
      const deepest = [OK, 4, { known: 4, deeper: true }, 0];
      const nested = [OK, 2, { known: 2, fresh: 'n', get deeper() {
        post(deepest);
        return 'y';
      } }, 0];
      const outer = [OK, 1, { early: 1, get trigger() {
        post(nested);
        return 'x';
      }, late: 3 }, 0, OK, 3, { early: 4 }, 0];
      post(outer);
      assert.equal(sent.length, 3);
      // The innermost left first, so it is read first; then the one around it; then the outer.
      assert.deepStrictEqual(dec.decode(sent[0] as never), deepest);
      assert.deepStrictEqual(dec.decode(sent[1] as never), [OK, 2, { known: 2, fresh: 'n', deeper: 'y' }, 0]);
      assert.deepStrictEqual(dec.decode(sent[2] as never), [OK, 1, { early: 1, trigger: 'x', late: 3 }, 0, OK, 3, { early: 4 }, 0]);
      // And both tables are still in step.
      assert.deepStrictEqual(roundTrip(enc, dec, { fresh: 5, early: 6, late: 7, deeper: 8 }), { fresh: 5, early: 6, late: 7, deeper: 8 });
    });

    test('an accessor added to Object.prototype after a key was first sent still does not run', () => {
      const { enc, dec } = channel(mode);
      assert.deepStrictEqual(roundTrip(enc, dec, { label: 'a' }), { label: 'a' });
      let ran = 0;
      Object.defineProperty(Object.prototype, 'label', { set: () => void ran++, configurable: true });
      try {
        const got = roundTrip(enc, dec, { label: 'b' }) as Record<string, unknown>;
        assert.deepStrictEqual(Object.getOwnPropertyDescriptor(got, 'label'), { value: 'b', writable: true, enumerable: true, configurable: true });
      } finally {
        delete (Object.prototype as { label?: unknown }).label;
      }
      assert.equal(ran, 0);
    });

    test('-0 stays -0, alone and inside containers', () => {
      const { enc, dec } = channel(mode);
      assert.ok(Object.is(roundTrip(enc, dec, -0), -0));
      assert.ok(Object.is((roundTrip(enc, dec, { z: -0 }) as { z: number }).z, -0));
      assert.ok(Object.is((roundTrip(enc, dec, [-0]) as number[])[0], -0));
    });

    test('shared references and cycles within a value are kept', () => {
      const { enc, dec } = channel(mode);
      const inner = { n: 1 };
      const shared = roundTrip(enc, dec, { x: inner, y: inner }) as { x: object; y: object };
      assert.equal(shared.x, shared.y);
      const cyclic: { self?: unknown } = {};
      cyclic.self = cyclic;
      const back = roundTrip(enc, dec, cyclic) as { self: unknown };
      assert.equal(back.self, back);
    });

    test('a getter runs and its value travels; a throwing getter throws from encode, and the channel stays in step', () => {
      const { enc, dec } = channel(mode);
      let reads = 0;
      const withGetter = {
        get v() {
          reads++;
          return 5;
        },
      };
      assert.deepStrictEqual(roundTrip(enc, dec, withGetter), { v: 5 });
      assert.equal(reads, 1);
      const boom = new Error('getter failed');
      const throwing = {
        fresh1: 1,
        get bad(): number {
          throw boom;
        },
      };
      assert.throws(() => enc.encode([OK, 1, throwing, 0]), (err) => err === boom);
      // The failed batch interned `fresh1`; the decoder never saw it, so it must be sent again.
      assert.deepStrictEqual(roundTrip(enc, dec, { fresh1: 2, fresh2: 3 }), { fresh1: 2, fresh2: 3 });
    });

    test('grouped records, task names and many keys keep their places', () => {
      const { enc, dec } = channel(mode);
      const pairs = [1, { a: 1, b: 2 }, 2, { a: 3, b: 4 }, 3, 'x'.repeat(100)];
      const batch = [RUN_MANY, 0, 'add', pairs, RUN, 9, 'mul', [2, 3], OK_MANY, 0, 0, [4, 5, 6, undefined]];
      for (let round = 0; round < 3; round++) assert.deepStrictEqual(dec.decode(send(enc, batch) as never), batch);
      // Past the intern table's bound, strings are written out, and still arrive.
      const keys = Array.from({ length: 5000 }, (_, i) => ({ [`key${i}`]: i }));
      const got = dec.decode(send(enc, [OK_MANY, 0, 0, keys.flatMap((k, i) => [i, k])]) as never);
      assert.deepStrictEqual(got[3], keys.flatMap((k, i) => [i, k]));
    });

    test('a batch refused by postMessage is rolled back: its interned strings are sent again', () => {
      const { enc, dec } = channel(mode);
      // Encoding succeeds (a function goes to the side values); cloning then refuses it.
      const wire = enc.encode([OK, 1, { newKey: 1 }, 0, OK, 2, () => {}, 0]);
      assert.throws(() => structuredClone(wire), { name: 'DataCloneError' });
      enc.rollback();
      assert.deepStrictEqual(roundTrip(enc, dec, { newKey: 2 }), { newKey: 2 });
    });
  });
}

describe('wire ring', () => {
  test('the writer never fills the ring up to the reader\'s cursor, which would read as empty', () => {
    const sab = newRing();
    const writer = new RingWriter(sab);
    const reader = new RingReader(sab);
    const first = writer.claim();
    writer.advance(first + 1000);
    reader.release(first + 1000);
    // The longer stretch is the one to the end; fill it.
    const second = writer.claim();
    assert.equal(second, first + 1000);
    const secondEnd = second + writer.room;
    writer.advance(secondEnd);
    // Then the one before the reader's cursor: the writer wraps to the start.
    const third = writer.claim();
    assert.equal(third, first);
    const thirdEnd = third + writer.room;
    assert.ok(thirdEnd < first + 1000, 'short of the cursor');
    writer.advance(thirdEnd);
    assert.equal(writer.claim(), -1, 'full: nothing until the reader moves on');
    // The reader finishes the region at the end: the stretch after the third region is free.
    reader.release(secondEnd);
    assert.equal(writer.claim(), thirdEnd);
    assert.equal(thirdEnd + writer.room, secondEnd - 1);
  });

  test('a reader that lags never sees its unread bytes overwritten; a full ring falls back to ArrayBuffers', () => {
    const { enc, dec } = channel('ring');
    const batchOf = (i: number) => [RUN_MANY, 0, 'add', Array.from({ length: 40 }, (_, k) => [i * 100 + k, { a: i, b: k, s: `s${i}` }]).flat()];
    // Held back: about 1 KiB each, so the 128 KiB ring fills and the rest travel on their own.
    const held: unknown[] = [];
    const batches: unknown[][] = [];
    for (let i = 0; i < 300; i++) {
      batches.push(batchOf(i));
      held.push(send(enc, batches[i] as unknown[]));
    }
    assert.ok(held.some((w) => typeof w === 'number'), 'some went through the ring');
    assert.ok(held.some((w) => w instanceof ArrayBuffer), 'some did not fit and went as ArrayBuffers');
    for (let i = 0; i < held.length; i++) assert.deepStrictEqual(dec.decode(held[i] as never), batches[i], `batch ${i}`);
    // Read in step, the ring wraps around many times and keeps being used.
    let viaRing = 0;
    for (let i = 0; i < 2000; i++) {
      const batch = batchOf(i);
      const wire = send(enc, batch);
      if (typeof wire === 'number') viaRing++;
      assert.deepStrictEqual(dec.decode(wire as never), batch);
    }
    assert.equal(viaRing, 2000);
  });

  test('a rolled-back batch gives its ring room back', () => {
    const { enc } = channel('ring');
    const first = enc.encode([OK, 1, 'a', 0]);
    assert.equal(typeof first, 'number');
    enc.rollback();
    assert.equal(enc.encode([OK, 2, 'b', 0]), first, 'the same offset again');
    enc.commit();
    assert.notEqual(enc.encode([OK, 3, 'c', 0]), first);
  });

  test('a reader that lags by up to a whole ring while the ring wraps around gets every batch intact', () => {
    const { enc, dec } = channel('ring');
    const queue: [unknown, unknown[]][] = [];
    let viaRing = 0;
    for (let i = 0; i < 4000; i++) {
      // 3–6 KiB a batch; the lag swings between 1 and 40 batches, past what the ring holds.
      const batch = [OK_MANY, 0, 0, Array.from({ length: 600 + ((i * 37) % 600) }, (_, k) => i + k)];
      const wire = send(enc, batch);
      if (typeof wire === 'number') viaRing++;
      queue.push([wire, batch]);
      const lag = 1 + (Math.floor(i / 50) % 40);
      while (queue.length > lag) {
        const [w, expected] = queue.shift() as [unknown, unknown[]];
        assert.deepStrictEqual(dec.decode(w as never), expected);
      }
    }
    assert.ok(viaRing > 3000, `${viaRing} of 4000 through the ring`);
  });

  test('a reader two batches behind, with batches of random sizes, in and past the ring', () => {
    const { enc, dec } = channel('ring');
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const queue: [unknown, unknown[]][] = [];
    for (let i = 0; i < 3000; i++) {
      const n = Math.floor(random() ** 3 * (RING_BYTES / 8));
      // Now and then one bigger than the whole ring.
      const length = i % 700 === 0 ? 20_000 : n % 500;
      const batch = [OK, i, 'y'.repeat(n % 60), 0, OK_MANY, 0, 0, Array.from({ length }, (_, k) => k * 0.5)];
      queue.push([send(enc, batch), batch]);
      if (queue.length > 2) {
        const [wire, expected] = queue.shift() as [unknown, unknown[]];
        assert.deepStrictEqual(dec.decode(wire as never), expected, `batch ${i - 2}`);
      }
    }
  });
});

describe('wire frames (process runtime)', () => {
  const batches = [
    [OK, 1, 'one', 0],
    [OK_MANY, 0, 0, Array.from({ length: 2000 }, (_, i) => i)],
    [OK, 2, new Map([[1, 'side']]), 0, OK, 3, 'x'.repeat(300), 0],
    [OK, 4, 0, 0],
  ];

  function deliver(cuts: (stream: Buffer) => Buffer[]): unknown[][] {
    const enc = new WireEncoder(undefined, true);
    const stream = Buffer.concat(batches.map((b) => {
      const bytes = frame(enc.encode(b));
      enc.commit();
      return bytes;
    }));
    const got: unknown[][] = [];
    const reader = new FrameReader(new WireDecoder(), (b) => got.push(b), (err) => assert.fail(err));
    for (const chunk of cuts(stream)) reader.push(chunk);
    return got;
  }

  test('frames arrive whole and in order, however the pipe joins and splits them', () => {
    const ways: [string, (s: Buffer) => Buffer[]][] = [
      ['all in one chunk', (s) => [s]],
      ['byte by byte', (s) => Array.from(s, (_, i) => s.subarray(i, i + 1))],
      ['in chunks of 3', (s) => Array.from({ length: Math.ceil(s.length / 3) }, (_, i) => s.subarray(3 * i, 3 * i + 3))],
      ['cut inside every header', (s) => [s.subarray(0, 2), s.subarray(2, 6), s.subarray(6)]],
    ];
    for (const [name, cuts] of ways) assert.deepStrictEqual(deliver(cuts), batches, name);
  });

  test('a frame that does not decode is reported once, and nothing after it is read', () => {
    const enc = new WireEncoder(undefined, true);
    const good = frame(enc.encode([OK, 1, 'a', 0]));
    enc.commit();
    // A frame whose batch claims more bytes than the frame holds, then a good one.
    const bad = Buffer.from([8, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0]);
    const got: unknown[] = [];
    const errors: Error[] = [];
    const reader = new FrameReader(new WireDecoder(), (b) => got.push(b), (err) => errors.push(err));
    reader.push(Buffer.concat([good, bad, good]));
    reader.push(good);
    assert.deepStrictEqual(got, [[OK, 1, 'a', 0]]);
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.message ?? '', /loopfleet wire/);
  });

  test('a handler that throws loses no frame: the rest come with the next chunk', () => {
    const enc = new WireEncoder(undefined, true);
    const frames = [1, 2, 3].map((i) => {
      const bytes = frame(enc.encode([OK, i, 'x', 0]));
      enc.commit();
      return bytes;
    });
    const got: unknown[] = [];
    let thrown = false;
    const reader = new FrameReader(new WireDecoder(), (b) => {
      if (!thrown) {
        thrown = true;
        throw new Error('handler failed');
      }
      got.push(b[1]);
    }, (err) => assert.fail(err));
    assert.throws(() => reader.push(Buffer.concat(frames)), /handler failed/);
    reader.push(frame(enc.encode([OK, 4, 'x', 0])));
    assert.deepStrictEqual(got, [2, 3, 4]);
  });

  test('a length no frame can have is reported at once, not waited for', () => {
    const errors: Error[] = [];
    const reader = new FrameReader(new WireDecoder(), () => assert.fail('no batch'), (err) => errors.push(err));
    reader.push(Buffer.from([0xf0, 0xff, 0xff, 0xff, 1, 2]));
    assert.equal(errors.length, 1);
    const tiny = new FrameReader(new WireDecoder(), () => assert.fail('no batch'), (err) => errors.push(err));
    tiny.push(Buffer.from([1, 0, 0, 0, 9]));
    assert.equal(errors.length, 2);
  });

  test('a side value that cannot be cloned throws from frame(), before anything is written', () => {
    const enc = new WireEncoder(undefined, true);
    assert.throws(() => frame(enc.encode([OK, 1, { f: () => 1 }, 0])), /could not be cloned/);
    enc.rollback();
  });
});

describe('wire in a pool: a refused batch leaves both sides in step', () => {
  test('process: a host object node:v8 cannot serialise is refused as an argument, and as workerData at once', async (t) => {
    const p = pool(t, { worker: 'basic', size: 1, runtime: 'process' });
    await assert.rejects(p.run('echo', new BlockList()), { code: 'LOOPFLEET_ERR_DATA_CLONE' });
    assert.equal(await p.run('add', { a: 1, b: 2 }), 3);
    assert.throws(() => new Pool({ worker: fixture('basic'), runtime: 'process', workerData: { list: new BlockList() } }), {
      code: 'LOOPFLEET_ERR_INVALID_ARG_TYPE',
      message: /workerData/,
    });
  });


  for (const runtime of RUNTIMES) {
    test(`${runtime}: batches before and after a value that cannot be cloned, both ways`, async (t) => {
      const p = pool(t, { worker: 'basic', size: 1, runtime });
      await p.ready();
      const burst = (make: (i: number) => unknown) => Promise.all(Array.from({ length: 5 }, (_, i) => p.run('echo', make(i))));
      const alpha = (i: number) => ({ alpha: i });
      const betaAlpha = (i: number) => ({ beta: i, alpha: -i });
      // Parent to worker: an encoded batch interns `alpha`; a refused send must not forget it.
      assert.deepStrictEqual(await burst(alpha), [0, 1, 2, 3, 4].map(alpha));
      await assert.rejects(p.run('echo', () => 1), { code: 'LOOPFLEET_ERR_DATA_CLONE' });
      assert.deepStrictEqual(await burst(betaAlpha), [0, 1, 2, 3, 4].map(betaAlpha));
      assert.deepStrictEqual(await burst(alpha), [0, 1, 2, 3, 4].map(alpha));
      // Worker to parent: the same with a result that cannot be cloned.
      const gamma = (i: number) => ({ gamma: i, s: `s${i}` });
      assert.deepStrictEqual(await burst(gamma), [0, 1, 2, 3, 4].map(gamma));
      await assert.rejects(p.run('returnsFunction'), { code: 'LOOPFLEET_ERR_DATA_CLONE' });
      assert.deepStrictEqual(await burst(gamma), [0, 1, 2, 3, 4].map(gamma));
      assert.deepStrictEqual(await burst(alpha), [0, 1, 2, 3, 4].map(alpha));
    });
  }
});

describe('wire: a message lost to deserialisation', () => {
  test('thread: the worker ends with the error, its task fails with it, and a replacement serves the next', async (t) => {
    type Lost = typeof import('./fixtures/lost-message.js').default;
    const p = pool<Lost>(t, { worker: 'lost-message', size: 1, runtime: 'thread' });
    await assert.rejects(p.run('loseMessage'), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'LOOPFLEET_ERR_WORKER_CRASHED');
      assert.match(err.message, /could not deserialise a message/);
      return true;
    });
    assert.equal(await p.run('ok'), 'ok');
  });

  for (const runtime of RUNTIMES) {
    test(`${runtime}: bytes that do not decode end the worker with the error, not the parent process`, async (t) => {
      type Lost = typeof import('./fixtures/lost-message.js').default;
      const p = pool<Lost>(t, { worker: 'lost-message', size: 1, runtime });
      await assert.rejects(p.run('garbage'), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'LOOPFLEET_ERR_WORKER_CRASHED');
        assert.match(err.message, /offset|bounds|range/i, 'the decoder\'s error is the cause');
        return true;
      });
      assert.equal(await p.run('ok'), 'ok');
    });
  }
});
