import { it } from 'vitest';
import { runSchedule } from '../sim-run.js';
it('one', async () => {
  const s = JSON.parse(process.env.SCHED!);
  const v = await runSchedule(s);
  console.log(JSON.stringify(v));
}, 600_000);
