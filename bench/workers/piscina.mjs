import { Piscina } from 'piscina';
import { add, rows as render } from './tasks.mjs';

export { add };
export async function rows(opts) {
  const chunk = await render(opts);
  return Piscina.move(chunk);
}
