/**
 * `npm run backend -- --port <port> --data <folder> --admin-token <token> [--test-clock <ISO>] [--database <url>]`
 * (docs/API.md "Running the backend"); `--help` lists every option (backendCommand). Every option also reads its
 * environment variable. Prints `listening on http://127.0.0.1:<port>` once requests are accepted; SIGTERM drains and
 * exits 0. `backup` and `restore` are maintenance commands of their own (backup.ts).
 */
import { booleanOption, commandLineOrExit, stringOption, type CommandSpec } from '../shared/command-line.js';
import { LOG_LEVELS } from './log.js';
import { isMaintenanceCommand, runMaintenance } from './backup.js';
import { createBackend } from './server.js';

function fail(message: string): never {
  process.stderr.write(`companion-backend: ${message}\n`);
  process.exit(2);
}

if (isMaintenanceCommand(process.argv.slice(2))) process.exit(runMaintenance(process.argv.slice(2)));

export const backendCommand: CommandSpec = {
  usage: 'npm run backend --',
  summary:
    'Runs the Creator Companion backend (docs/API.md "Running the backend"). Each flag may instead come from its environment variable.',
  options: [
    {
      name: 'port',
      type: 'string',
      value: '<port>',
      env: 'COMPANION_PORT',
      description: 'Port to listen on (0 = any free port; default 0)',
    },
    {
      name: 'host',
      type: 'string',
      value: '<address>',
      env: 'COMPANION_HOST',
      description: 'Address to listen on (default 127.0.0.1)',
    },
    {
      name: 'data',
      type: 'string',
      value: '<folder>',
      env: 'COMPANION_DATA',
      description: 'Data folder (SQLite, outputs and uploads); required, also with --database',
    },
    {
      name: 'database',
      type: 'string',
      value: '<url>',
      env: 'COMPANION_DATABASE_URL',
      description: 'PostgreSQL URL instead of SQLite in --data',
    },
    {
      name: 'admin-token',
      type: 'string',
      value: '<token>',
      env: 'COMPANION_ADMIN_TOKEN',
      description: 'Token of the admin API, at least 8 characters (required)',
    },
    {
      name: 'test-clock',
      type: 'string',
      value: '<ISO time>',
      env: 'COMPANION_TEST_CLOCK',
      description: 'Start a test clock at this time (tests and demos)',
    },
    {
      name: 'catalog',
      type: 'string',
      value: '<file>',
      env: 'COMPANION_CATALOG',
      description: 'Catalog JSON (plans, models, prices) instead of the built-in one',
    },
    {
      name: 'config',
      type: 'string',
      value: '<file>',
      env: 'COMPANION_CONFIG',
      description: 'Operations config JSON (queue workers, fair-use limits)',
    },
    {
      name: 'log-level',
      type: 'string',
      value: '<level>',
      env: 'COMPANION_LOG_LEVEL',
      description: 'fatal, error, warn, info (default), debug (adds prompts), trace or silent',
    },
    {
      name: 'log-file',
      type: 'string',
      value: '<file>',
      env: 'COMPANION_LOG_FILE',
      description: 'Write the JSON log lines to this file, rotated at 10 MiB (5 kept), instead of standard output',
    },
    { name: 'log', type: 'boolean', description: 'Log to standard output (the default; kept for older scripts)' },
    {
      name: 'docs',
      type: 'string',
      value: 'on|off',
      env: 'COMPANION_DOCS',
      description: 'The API reference page at /docs (default on; /v1/openapi.json is always served)',
    },
    {
      name: 'metrics-port',
      type: 'string',
      value: '<port>',
      env: 'COMPANION_METRICS_PORT',
      description:
        'Also serve /metrics on this port of 127.0.0.1 without a token (default: only /metrics with the admin token)',
    },
    {
      name: 'drain-delay',
      type: 'string',
      value: '<seconds>',
      env: 'COMPANION_DRAIN_DELAY_S',
      description:
        'On SIGTERM, answer /v1/ready with 503 for this long before closing, so a load balancer stops sending requests (default 0)',
    },
    {
      name: 'exit-with-parent',
      type: 'boolean',
      description: 'Exit when standard input closes (the app that started it is gone)',
    },
  ],
};

const io = {
  out: (text: string) => process.stdout.write(text),
  err: (text: string) => process.stderr.write(text),
  exit: (code: number) => process.exit(code),
};
const values = commandLineOrExit('companion-backend', backendCommand, process.argv.slice(2), process.env, io);

const portText = stringOption(values, 'port') ?? '0';
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`--port must be 0-65535, got ${portText}`);
const dataDir = stringOption(values, 'data');
const databaseUrl = stringOption(values, 'database');
if (!dataDir)
  fail(
    `--data <folder> (or COMPANION_DATA) is required${databaseUrl ? ': outputs and uploads are kept there, also with --database' : ''}`,
  );
const adminToken = stringOption(values, 'admin-token');
if (!adminToken || adminToken.length < 8)
  fail('--admin-token (or COMPANION_ADMIN_TOKEN) of at least 8 characters is required');
const docsText = stringOption(values, 'docs') ?? 'on';
if (docsText !== 'on' && docsText !== 'off') fail(`--docs must be on or off, got ${docsText}`);
const logLevel = stringOption(values, 'log-level') ?? 'info';
if (!(LOG_LEVELS as readonly string[]).includes(logLevel))
  fail(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${logLevel}`);
const logFile = stringOption(values, 'log-file');
const metricsPortText = stringOption(values, 'metrics-port');
const metricsPort = metricsPortText === undefined ? undefined : Number(metricsPortText);
if (metricsPort !== undefined && (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65_535))
  fail(`--metrics-port must be 0-65535, got ${metricsPortText}`);
const drainDelayText = stringOption(values, 'drain-delay') ?? '0';
const drainDelayS = Number(drainDelayText);
if (!Number.isFinite(drainDelayS) || drainDelayS < 0 || drainDelayS > 3600)
  fail(`--drain-delay must be 0-3600 seconds, got ${drainDelayText}`);
const clockText = stringOption(values, 'test-clock');
const testClock = clockText ? new Date(clockText) : undefined;
if (testClock && Number.isNaN(testClock.getTime())) fail(`--test-clock must be an ISO 8601 time, got ${clockText}`);

try {
  const backend = await createBackend({
    dataDir,
    adminToken,
    databaseUrl,
    testClock,
    catalogPath: stringOption(values, 'catalog'),
    configPath: stringOption(values, 'config'),
    log: { level: logLevel, ...(logFile ? { file: logFile } : {}) },
    docs: docsText === 'on',
    metricsPort,
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`companion-backend: ${signal}, draining\n`);
    // Not ready first, for as long as the operator said (a load balancer stops sending requests), then the listener
    // closes after the requests in flight.
    backend.drain();
    if (drainDelayS > 0) await new Promise((resolve) => setTimeout(resolve, drainDelayS * 1000));
    await backend.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // Under Electron's utilityProcess or a parent that dies, stdin/IPC closing means the app is gone.
  process.on('disconnect', () => void stop('parent gone'));
  if (booleanOption(values, 'exit-with-parent')) {
    process.stdin.on('end', () => void stop('parent gone'));
    process.stdin.on('close', () => void stop('parent gone'));
    process.stdin.resume();
  }
  // Handlers first, then the line: a supervisor may send SIGTERM the moment it reads it.
  const url = await backend.listen(port, stringOption(values, 'host') ?? '127.0.0.1');
  process.stdout.write(`listening on ${url}\n`);
  if (backend.metricsUrl) process.stdout.write(`metrics on ${backend.metricsUrl}\n`);
} catch (error) {
  fail((error as Error).message);
}
