/**
 * Keeps a roll-call's board data fresh. For now it polls every 5 s; the live
 * WebSocket of the board's Durable Object will replace the inside of this module
 * (with polling as its fallback) without the screens changing.
 */
export interface LiveOptions {
  intervalMs?: number;
}

export interface LiveHandle {
  stop(): void;
  /** Fetch now (after an action such as a resend or close). */
  refresh(): void;
}

export function watch<T>(load: () => Promise<T>, onData: (data: T) => void, onError: (err: unknown) => void, opts: LiveOptions = {}): LiveHandle {
  const interval = opts.intervalMs ?? 5_000;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight = false;

  async function tick() {
    if (stopped || inFlight) return;
    inFlight = true;
    clearTimeout(timer);
    try {
      const data = await load();
      if (!stopped) onData(data);
    } catch (err) {
      if (!stopped) onError(err);
    } finally {
      inFlight = false;
      if (!stopped) timer = setTimeout(tick, document.hidden ? interval * 3 : interval);
    }
  }
  void tick();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    refresh() {
      void tick();
    },
  };
}
