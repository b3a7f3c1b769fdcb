/** Public types of the dashboard: checked when the tests compile (a wrong type fails `tsc`). */
import { test } from 'node:test';
import { expectTypeOf } from 'expect-type';
import type { Dashboard, DashboardOptions, ErrorCode, Pool, PoolOptions, PortInUseError, serveDashboard } from 'loopfleet';
import type { WorkerDefinition } from 'loopfleet/worker';

type Serve = typeof serveDashboard;
// Never called: the checks need values of these types, not a running pool.
export function checks(typed: Pool<WorkerDefinition<{ add: (x: { a: number; b: number }) => number }>>, untyped: Pool): void {
  expectTypeOf<Serve>().toBeCallableWith(typed);
  expectTypeOf<Serve>().toBeCallableWith([typed, untyped], { port: 9400, host: '127.0.0.1' });
  expectTypeOf<Serve>().toBeCallableWith([], { sources: ['http://127.0.0.1:9401/', new URL('http://127.0.0.1:9402/')] });
  expectTypeOf<ReturnType<Serve>>().toEqualTypeOf<Promise<Dashboard>>();
  expectTypeOf<Dashboard['url']>().toEqualTypeOf<string>();
  expectTypeOf<Dashboard['port']>().toEqualTypeOf<number>();
  expectTypeOf<Dashboard['close']>().returns.toEqualTypeOf<Promise<void>>();
  expectTypeOf<Dashboard['add']>().toBeCallableWith(typed);
  expectTypeOf<DashboardOptions['port']>().toEqualTypeOf<number | undefined>();

  // The pool option: true, or a port and host (sources belong to serveDashboard).
  expectTypeOf<{ worker: string; dashboard: true }>().toMatchTypeOf<PoolOptions>();
  expectTypeOf<{ worker: string; dashboard: { port: number; host: string } }>().toMatchTypeOf<PoolOptions>();
  expectTypeOf<{ worker: string; dashboard: { sources: string[] } }>().not.toMatchTypeOf<PoolOptions>();
  expectTypeOf(typed.dashboard).toEqualTypeOf<Promise<Dashboard> | undefined>();
  expectTypeOf<PortInUseError['port']>().toEqualTypeOf<number>();
  expectTypeOf<PortInUseError['code']>().toEqualTypeOf<ErrorCode>();
}

test('dashboard types compile', () => {});
