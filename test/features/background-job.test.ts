// A job on a timer (the grant reminders) is stopped by shutdown before the store closes: stop()
// waits for the run in progress, and no run starts afterwards.
import { every } from '../../src/background-job';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a background job', () => {
  test('when it is stopped during a run, then stop() resolves only once that run is done and no run starts after it', async () => {
    const events: string[] = [];
    let runs = 0;
    const job = every(20, async () => {
      runs += 1;
      events.push(`start ${runs}`);
      await sleep(100);
      events.push(`end ${runs}`);
    }, () => {});
    while (runs === 0) await sleep(5);
    await job.stop();
    events.push('stopped');
    await sleep(150);
    expect(events).toEqual(['start 1', 'end 1', 'stopped']);
  });

  test('when a run fails, then the error is reported and the job runs again', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const job = every(10, async () => {
      runs += 1;
      if (runs === 1) throw new Error('store unavailable');
    }, (err) => errors.push(err));
    while (runs < 3) await sleep(5);
    await job.stop();
    const after = runs;
    await sleep(60);
    expect(runs).toBe(after);
    expect(errors).toEqual([new Error('store unavailable')]);
  });
});
