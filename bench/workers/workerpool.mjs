import workerpool from 'workerpool';
import { add, rows as render } from './tasks.mjs';

workerpool.worker({
  add,
  async rows(opts) {
    const chunk = await render(opts);
    return new workerpool.Transfer(chunk, [chunk.buffer]);
  },
});
