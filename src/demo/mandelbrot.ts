/**
 * The demo's pure compute: Mandelbrot rows rendered to RGB bytes with smooth (normalized iteration
 * count) colouring. No I/O and no pool here, so the same function runs in a worker, in a test, or
 * on the main thread. Every pixel depends only on its own coordinates, so rendering rows in chunks
 * gives exactly the bytes of rendering them at once.
 */

/** The region of the complex plane to show. */
export interface View {
  /** Real part of the image centre. */
  readonly centerX: number;
  /** Imaginary part of the image centre. */
  readonly centerY: number;
  /**
   * Width and height (in complex units) of the rectangle that must be visible. The pixel size is
   * the smallest that fits both, so pixels stay square and the image's aspect ratio only adds margin.
   */
  readonly spanX: number;
  readonly spanY: number;
}

/** Frames the whole set (real -2 to 0.47, imaginary -1.12 to 1.12) with a small margin. */
export const DEFAULT_VIEW: View = Object.freeze({ centerX: -0.5, centerY: 0, spanX: 3.1, spanY: 2.5 });

/** Bytes per pixel of what `renderRows` returns: RGB, 8 bits each. */
export const CHANNELS = 3;

export interface ImageOptions {
  /** Image width in pixels. */
  readonly width: number;
  /** Image height in pixels (used with the view to place each row). */
  readonly height: number;
  /** Iterations after which a point counts as inside the set. */
  readonly maxIter: number;
  /** @default DEFAULT_VIEW */
  readonly view?: View;
}

export interface RowsOptions extends ImageOptions {
  /** First row to render, 0 to height - 1. */
  readonly y0: number;
  /** Rows to render from `y0`; `y0 + rows` must not exceed `height`. */
  readonly rows: number;
}

/**
 * Escape bailout (squared radius). Far larger than 2 so that the normalized iteration count is
 * smooth: the error of `n + 1 - log2(log|z|)` falls quickly with the bailout radius.
 */
const BAILOUT2 = 1 << 16;
const INV_LN2 = 1 / Math.LN2;

/**
 * The smooth escape value of `c = cx + i cy`: `maxIter` if the point did not escape within
 * `maxIter` iterations (inside the set), otherwise the normalized iteration count, a real number
 * in [0, maxIter) that varies continuously across iteration bands.
 */
export function escapeTime(cx: number, cy: number, maxIter: number): number {
  // Main cardioid and period-2 bulb: inside for sure, and the slowest points to iterate.
  const xq = cx - 0.25;
  const y2c = cy * cy;
  const q = xq * xq + y2c;
  if (q * (q + xq) <= 0.25 * y2c) return maxIter;
  const xp = cx + 1;
  if (xp * xp + y2c <= 0.0625) return maxIter;

  let x = 0;
  let y = 0;
  let x2 = 0;
  let y2 = 0;
  for (let n = 1; n <= maxIter; n++) {
    y = 2 * x * y + cy;
    x = x2 - y2 + cx;
    x2 = x * x;
    y2 = y * y;
    const r2 = x2 + y2;
    if (r2 > BAILOUT2) {
      // log|z| = log(r2) / 2; nu = n + 1 - log2(log|z|). Below maxIter since log|z| > log 256.
      const nu = n + 1 - Math.log(Math.log(r2) * 0.5) * INV_LN2;
      return nu > 0 ? nu : 0;
    }
  }
  return maxIter;
}

// ---- palette ------------------------------------------------------------------------------------

const PALETTE_SIZE = 2048;
/** A cyclic gradient (deep blue, sky, white, gold, black, back to blue) as RGB triples. */
const PALETTE: Uint8Array = buildPalette([
  [0, 0, 7, 100],
  [0.16, 32, 107, 203],
  [0.42, 237, 255, 255],
  [0.6425, 255, 170, 0],
  [0.8575, 0, 2, 0],
  [1, 0, 7, 100],
]);
/** Colour of points inside the set. */
const INSIDE = [0, 0, 0] as const;
/** Palette cycles per unit of log(nu + 1): colour bands keep their width from the edge to deep zooms. */
const CYCLES_PER_LOG = 0.4;
const PALETTE_OFFSET = 0.6;

function buildPalette(stops: readonly (readonly [number, number, number, number])[]): Uint8Array {
  const out = new Uint8Array(PALETTE_SIZE * 3);
  let s = 0;
  for (let i = 0; i < PALETTE_SIZE; i++) {
    const t = i / PALETTE_SIZE;
    while (s < stops.length - 2 && t >= (stops[s + 1] as readonly number[])[0]!) s++;
    const a = stops[s] as readonly number[];
    const b = stops[s + 1] as readonly number[];
    const u = (t - a[0]!) / (b[0]! - a[0]!);
    const k = u * u * (3 - 2 * u); // smoothstep: no visible kinks at the stops
    for (let c = 1; c <= 3; c++) out[i * 3 + c - 1] = Math.round(a[c]! + (b[c]! - a[c]!) * k);
  }
  return out;
}

// ---- rendering ----------------------------------------------------------------------------------

function checkInteger(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new RangeError(`Expected \`${name}\` to be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

function checkView(view: View): View {
  for (const key of ['centerX', 'centerY', 'spanX', 'spanY'] as const) {
    if (typeof view[key] !== 'number' || !Number.isFinite(view[key])) throw new RangeError(`Expected \`view.${key}\` to be a finite number, got ${String(view[key])}`);
  }
  if (!(view.spanX > 0) || !(view.spanY > 0)) throw new RangeError('Expected `view.spanX` and `view.spanY` to be positive');
  return view;
}

/** The size of one pixel in complex units for an image of this size and view. */
export function pixelSize(width: number, height: number, view: View = DEFAULT_VIEW): number {
  return Math.max(view.spanX / width, view.spanY / height);
}

/**
 * Renders rows `y0` to `y0 + rows - 1` of the image as RGB bytes (`rows * width * CHANNELS`),
 * row-major, top row first. Allocates only the result.
 */
export function renderRows(options: RowsOptions): Uint8Array<ArrayBuffer> {
  const width = checkInteger('width', options.width, 1);
  const height = checkInteger('height', options.height, 1);
  const maxIter = checkInteger('maxIter', options.maxIter, 1);
  const y0 = checkInteger('y0', options.y0, 0);
  const rows = checkInteger('rows', options.rows, 0);
  if (y0 + rows > height) throw new RangeError(`Expected \`y0 + rows\` (${y0 + rows}) to be at most \`height\` (${height})`);
  const view = checkView(options.view ?? DEFAULT_VIEW);

  const px = pixelSize(width, height, view);
  // Pixel centres: x grows to the right, the imaginary axis grows upwards (row 0 is the top).
  const left = view.centerX - (width / 2) * px + px / 2;
  const top = view.centerY + (height / 2) * px - px / 2;
  const out = new Uint8Array(rows * width * CHANNELS);
  const palette = PALETTE;
  const scale = CYCLES_PER_LOG * PALETTE_SIZE;
  const offset = PALETTE_OFFSET * PALETTE_SIZE;
  let o = 0;
  for (let row = 0; row < rows; row++) {
    const cy = top - (y0 + row) * px;
    for (let x = 0; x < width; x++) {
      const nu = escapeTime(left + x * px, cy, maxIter);
      if (nu >= maxIter) {
        out[o] = INSIDE[0];
        out[o + 1] = INSIDE[1];
        out[o + 2] = INSIDE[2];
      } else {
        const i = (((Math.log(nu + 1) * scale + offset) | 0) % PALETTE_SIZE) * 3;
        out[o] = palette[i]!;
        out[o + 1] = palette[i + 1]!;
        out[o + 2] = palette[i + 2]!;
      }
      o += 3;
    }
  }
  return out;
}
