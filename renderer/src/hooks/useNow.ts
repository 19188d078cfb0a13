import { useEffect, useState } from 'react';

/**
 * The current time, refreshed every `intervalMs` while the component is mounted: a UI clock for ages and countdowns,
 * not a way to fetch anything. `intervalMs` null stops the clock.
 */
export function useNow(intervalMs: number | null): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    if (intervalMs === null) return;
    const tick = () => setNow(new Date());
    // The clock may have been stopped for a while: catch up at once, then tick.
    const catchUp = window.setTimeout(tick, 0);
    const timer = window.setInterval(tick, intervalMs);
    return () => {
      window.clearTimeout(catchUp);
      window.clearInterval(timer);
    };
  }, [intervalMs]);
  return now;
}
