// The work every library runs, so that all of them run the same code: a tiny add, and a chunk of
// Mandelbrot rows rendered by loopfleet's demo kernel (from the build).
import { renderRows } from '../../dist/demo/mandelbrot.js';

export const add = ({ a, b }) => a + b;
export const rows = (opts) => renderRows(opts);
