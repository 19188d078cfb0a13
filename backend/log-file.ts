/**
 * The backend's log file, rotated by size: when the next line would take it past `maxBytes`, `backend.log` becomes
 * `backend.log.1` (the older ones move up one, the oldest past `keep` is removed) and a new file is started. Lines are
 * written synchronously, as pino writes to standard output: a line logged before a crash is on disk.
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface LogFileOptions {
  path: string;
  /** The size a file may reach before it is rotated (default 10 MiB). */
  maxBytes?: number;
  /** Rotated files kept besides the current one (default 5). */
  keep?: number;
}

export class RotatingLogFile {
  private fd: number;
  private bytes: number;
  private readonly maxBytes: number;
  private readonly keep: number;

  constructor(private readonly options: LogFileOptions) {
    this.maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
    this.keep = options.keep ?? 5;
    mkdirSync(dirname(options.path), { recursive: true });
    this.fd = openSync(options.path, 'a', 0o600);
    this.bytes = statSync(options.path).size;
  }

  /** pino's destination: one line at a time. */
  write(line: string): boolean {
    const length = Buffer.byteLength(line);
    if (this.bytes > 0 && this.bytes + length > this.maxBytes) this.rotate();
    writeSync(this.fd, line);
    this.bytes += length;
    return true;
  }

  close(): void {
    closeSync(this.fd);
  }

  private rotate(): void {
    closeSync(this.fd);
    const { path } = this.options;
    rmSync(`${path}.${this.keep}`, { force: true });
    for (let n = this.keep - 1; n >= 1; n -= 1)
      if (existsSync(`${path}.${n}`)) renameSync(`${path}.${n}`, `${path}.${n + 1}`);
    if (this.keep > 0) renameSync(path, `${path}.1`);
    else rmSync(path, { force: true });
    this.fd = openSync(path, 'a', 0o600);
    this.bytes = 0;
  }
}
