import workerpool from 'workerpool';
import { add, rows as render } from './tasks.mjs';

workerpool.worker({
  add,
  rows(opts) {
    const chunk = render(opts);
    return new workerpool.Transfer(chunk, [chunk.buffer]);
  },
});
