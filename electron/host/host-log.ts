/**
 * The host's one logger for failures it survives (a download that broke, a file it could not write, an event it
 * could not read). Each is written as one line and counted by kind, so tests and diagnostics can see what the host
 * went through without reading its output. `debug` is for failures that are expected in normal use (a temporary file
 * that was already gone, a file sharp cannot thumbnail): counted, but written only when COMPANION_DEBUG is set.
 */
export interface HostLog {
  warn(kind: string, error: unknown, message: string): void;
  debug(kind: string, error: unknown, message: string): void;
}

/** What a caught value says, on one line. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, ' ').trim();
}

export class CountingHostLog implements HostLog {
  readonly #counts = new Map<string, number>();

  constructor(
    private readonly write: (line: string) => void = (line) => console.error(line),
    private readonly writeDebug: boolean = Boolean(process.env.COMPANION_DEBUG),
  ) {}

  warn(kind: string, error: unknown, message: string): void {
    this.#count(kind);
    this.write(`[host] warn ${kind}: ${message}: ${describeError(error)}`);
  }

  debug(kind: string, error: unknown, message: string): void {
    this.#count(kind);
    if (this.writeDebug) this.write(`[host] debug ${kind}: ${message}: ${describeError(error)}`);
  }

  /** How many failures of each kind the host survived since it started. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  count(kind: string): number {
    return this.#counts.get(kind) ?? 0;
  }

  #count(kind: string): void {
    this.#counts.set(kind, (this.#counts.get(kind) ?? 0) + 1);
  }
}

/** For pieces used without a host (benchmarks, some tests): counts, writes nothing. */
export function silentHostLog(): CountingHostLog {
  return new CountingHostLog(() => {}, false);
}
