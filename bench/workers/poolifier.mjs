import { ThreadWorker } from 'poolifier';
import { add, rows } from './tasks.mjs';

export default new ThreadWorker({ add, rows });
