import { Tinypool } from 'tinypool';
import { add, rows as render } from './tasks.mjs';

export { add };
export function rows(opts) {
  const chunk = render(opts);
  return Tinypool.move(chunk);
}
