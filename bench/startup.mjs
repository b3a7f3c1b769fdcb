// Start-up: this whole process is the measurement (timed from outside by run.mjs): import the
// library, create a pool of 2, run one task, check it, close.
const subject = process.argv[2];
// 13 = the event loop emptied while close() had not settled (poolifier's destroy() sometimes
// never settles): the process has ended all the same; run.mjs counts such runs.
// Also reports the CPU time of the whole process (all its threads; less sensitive to a busy
// machine than the wall time run.mjs measures).
process.on('exit', (code) => {
  const c = process.cpuUsage();
  process.stderr.write(`cpu-ms ${(c.user + c.system) / 1000}\n`);
  if (code === 13) {
    process.stderr.write('close-unsettled\n');
    process.exitCode = 0;
  }
});
if (subject !== 'node') {
  const { SUBJECTS } = await import('./lib/subjects.mjs');
  const s = await SUBJECTS[subject].open({ size: 2, ready: false });
  const r = await s.add(40, 2);
  if (r !== 42) throw new Error(`wrong result: ${r}`);
  await s.close();
}
