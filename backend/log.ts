/**
 * The backend's record of failures it survives: each goes to fastify's logger (pino; silent unless the backend was
 * started with a logger) with its kind, and is counted by kind, so that a test or an operator can see that it happened.
 */

/** The part of fastify's (pino's) logger used here. */
export interface BaseLogger {
  error(details: object, message: string): void;
}

export class Logger {
  /** Failures survived so far, by kind ('worker', 'heartbeat', 'queue-events'...). */
  readonly survivedErrors: Record<string, number> = {};

  constructor(private readonly base: BaseLogger) {}

  /** Logs and counts a failure the caller survives (and says how, in `message`). */
  survived(kind: string, error: unknown, message: string): void {
    this.survivedErrors[kind] = (this.survivedErrors[kind] ?? 0) + 1;
    this.base.error({ err: error, kind }, message);
  }
}
