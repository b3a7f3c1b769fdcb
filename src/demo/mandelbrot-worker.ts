/**
 * The demo's worker module: renders a chunk of Mandelbrot rows and moves the pixel buffer back to
 * the parent instead of copying it (the process runtime copies).
 */
import { defineWorker, transfer } from '../worker.js';
import { renderRows, type RowsOptions } from './mandelbrot.js';

export default defineWorker({
  tasks: {
    rows(args: RowsOptions) {
      const chunk = renderRows(args);
      return transfer(chunk, [chunk.buffer]);
    },
  },
});
