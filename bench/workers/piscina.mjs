import { Piscina } from 'piscina';
import { add, rows as render } from './tasks.mjs';

export { add };
export function rows(opts) {
  const chunk = render(opts);
  return Piscina.move(chunk);
}
