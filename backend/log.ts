import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { RotatingLogFile } from './log-file.js';

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

/** Where and how much the backend logs (docs/OPERATING.md, "Logs"). */
export interface LogOptions {
  /** pino's levels: fatal, error, warn, info (the default), debug, trace, silent. Prompts are logged at debug only. */
  level?: string;
  /** A file instead of standard output, rotated by size (log-file.ts). */
  file?: string;
  /** Anything else that takes lines (tests). */
  stream?: { write(line: string): unknown };
  rotateBytes?: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * What no log line may hold, wherever it appears: the Authorization header, tokens (an account's, the admin's, a new
 * one in an answer), secrets and passwords. pino replaces each with "[redacted]".
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  'token',
  'adminToken',
  'secret',
  'password',
  '*.token',
  '*.adminToken',
  '*.secret',
  '*.password',
  '*.authorization',
];

/** The pino logger the backend's fastify uses, writing JSON lines to standard output, a rotated file or a stream. */
export function createLog(options: LogOptions): { logger: PinoLogger; close(): void } {
  const level = options.level ?? 'info';
  const settings = {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: 'companion-backend' },
  };
  if (options.stream) return { logger: pino(settings, options.stream as DestinationStream), close: () => {} };
  if (options.file) {
    const file = new RotatingLogFile({
      path: options.file,
      ...(options.rotateBytes ? { maxBytes: options.rotateBytes } : {}),
    });
    return { logger: pino(settings, file as unknown as DestinationStream), close: () => file.close() };
  }
  return { logger: pino(settings, pino.destination({ dest: 1, sync: true })), close: () => {} };
}
