// One measurement in a fresh process: `node child.mjs <scenario> <row> <scale>`; prints JSON.
import { SCENARIOS } from './lib/scenarios.mjs';

const [scenario, rowId, scale = '1'] = process.argv.slice(2);
const s = SCENARIOS[scenario];
const row = s.rows.find((r) => r.id === rowId);
const result = await s.measure(row, { scale: Number(scale) });
process.stdout.write(`\n${JSON.stringify(result)}\n`);
// Anchors may leave handles behind after closing; the measurement is done.
process.exit(0);
