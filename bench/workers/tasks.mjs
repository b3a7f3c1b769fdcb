// The work every library runs, so that all of them run the same code: a tiny add, and a chunk of
// Mandelbrot rows rendered by loopfleet's demo kernel (from the build). The kernel is imported on
// first use, so that the start-up scenario does not pay for it.
export const add = ({ a, b }) => a + b;

let kernel;
export async function rows(opts) {
  kernel ??= await import('../../dist/demo/mandelbrot.js');
  return kernel.renderRows(opts);
}
