// A job an app process runs on a timer (the grant reminders). Shutdown stops it before the store
// closes: stop() cancels the next run and waits for the one in progress, so no run ever starts on,
// or is still using, a closed store.
export interface BackgroundJob {
  stop(): Promise<void>;
}

/** Runs `run` every intervalMs (the first run after `firstAfterMs`, default one interval), never two runs at once. */
export function every(intervalMs: number, run: () => Promise<unknown>, onError: (err: unknown) => void, firstAfterMs = intervalMs): BackgroundJob {
  let stopped = false;
  let running: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  const schedule = (delayMs = intervalMs) => {
    timer = setTimeout(() => {
      timer = null;
      running = run().then(() => undefined, onError).finally(() => {
        running = null;
        if (!stopped) schedule();
      });
    }, delayMs);
    // A timer alone does not keep the process alive: the server does, until shutdown.
    timer.unref();
  };
  schedule(firstAfterMs);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
