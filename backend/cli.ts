/**
 * `npm run backend -- --port <port> --data <folder> --admin-token <token> [--test-clock <ISO>] [--database <url>]`
 * (docs/API.md "Running the backend"). Every option also reads its environment variable. Prints
 * `listening on http://127.0.0.1:<port>` once requests are accepted; SIGTERM drains and exits 0.
 */
import { parseArgs } from 'node:util';
import { isMaintenanceCommand, runMaintenance } from './backup.js';
import { createBackend } from './server.js';

function fail(message: string): never {
  process.stderr.write(`companion-backend: ${message}\n`);
  process.exit(2);
}

if (isMaintenanceCommand(process.argv.slice(2))) process.exit(runMaintenance(process.argv.slice(2)));

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    data: { type: 'string' },
    'admin-token': { type: 'string' },
    'test-clock': { type: 'string' },
    database: { type: 'string' },
    catalog: { type: 'string' },
    config: { type: 'string' },
    host: { type: 'string' },
    log: { type: 'boolean' },
    'exit-with-parent': { type: 'boolean' },
  },
  strict: true,
});

const env = process.env;
const portText = values.port ?? env.COMPANION_PORT ?? '0';
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`--port must be 0-65535, got ${portText}`);
const dataDir = values.data ?? env.COMPANION_DATA;
const databaseUrl = values.database ?? env.COMPANION_DATABASE_URL;
if (!dataDir) fail(`--data <folder> (or COMPANION_DATA) is required${databaseUrl ? ': outputs and uploads are kept there, also with --database' : ''}`);
const adminToken = values['admin-token'] ?? env.COMPANION_ADMIN_TOKEN;
if (!adminToken || adminToken.length < 8) fail('--admin-token (or COMPANION_ADMIN_TOKEN) of at least 8 characters is required');
const clockText = values['test-clock'] ?? env.COMPANION_TEST_CLOCK;
const testClock = clockText ? new Date(clockText) : undefined;
if (testClock && Number.isNaN(testClock.getTime())) fail(`--test-clock must be an ISO 8601 time, got ${clockText}`);

try {
  const backend = await createBackend({
    dataDir,
    adminToken,
    databaseUrl,
    testClock,
    catalogPath: values.catalog ?? env.COMPANION_CATALOG,
    configPath: values.config ?? env.COMPANION_CONFIG,
    logger: values.log ?? false,
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`companion-backend: ${signal}, draining\n`);
    await backend.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // Under Electron's utilityProcess or a parent that dies, stdin/IPC closing means the app is gone.
  process.on('disconnect', () => void stop('parent gone'));
  if (values['exit-with-parent']) {
    process.stdin.on('end', () => void stop('parent gone'));
    process.stdin.on('close', () => void stop('parent gone'));
    process.stdin.resume();
  }
  // Handlers first, then the line: a supervisor may send SIGTERM the moment it reads it.
  const url = await backend.listen(port, values.host ?? env.COMPANION_HOST ?? '127.0.0.1');
  process.stdout.write(`listening on ${url}\n`);
} catch (error) {
  fail((error as Error).message);
}
