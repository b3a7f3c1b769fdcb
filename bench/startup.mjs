// Start-up: this whole process is the measurement (timed from outside by run.mjs): import the
// library, create a pool of 2, run one task, check it, close.
const subject = process.argv[2];
// Also reports the CPU time of the whole process (all its threads; less sensitive to a busy
// machine than the wall time run.mjs measures). If close() never settles and nothing else keeps
// the process alive (poolifier's destroy() sometimes), Node exits with 13 at that point: the
// process has ended all the same, and run.mjs counts such runs.
process.on('exit', () => {
  const c = process.cpuUsage();
  process.stderr.write(`cpu-ms ${(c.user + c.system) / 1000}\n`);
});
if (subject !== 'node') {
  const { SUBJECTS } = await import('./lib/subjects.mjs');
  const s = await SUBJECTS[subject].open({ size: 2, ready: false });
  const r = await s.add(40, 2);
  if (r !== 42) throw new Error(`wrong result: ${r}`);
  await s.close();
}
