/**
 * `npm run web`: the app in web mode. Starts the host services (and the embedded backend when no account is
 * configured), serves the built renderer on 127.0.0.1 and prints the URL to open.
 *
 * Options (flags or environment): --port / COMPANION_WEB_PORT (0 = any free port), --data / COMPANION_APP_DATA (the
 * app's data folder), --test-clock / COMPANION_TEST_CLOCK and --admin-token / COMPANION_ADMIN_TOKEN (for the embedded
 * backend, used by tests and demos), --local-name / --local-timezone (the local account made on first run; default
 * the system's zone).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CompanionHost, WEB_PLATFORM } from '../host/companion-host.js';
import { nodeLauncher } from '../host/embedded-backend.js';
import { startWebServer } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    data: { type: 'string' },
    'test-clock': { type: 'string' },
    'admin-token': { type: 'string' },
    'backend-port': { type: 'string' },
    secret: { type: 'string' },
    'local-timezone': { type: 'string' },
    'local-name': { type: 'string' },
  },
  strict: true,
});
const env = process.env;

/** Where the built files are: this file is bundled to dist/web/cli.mjs, beside dist/backend and dist/renderer. */
const distDir = fileURLToPath(new URL('..', import.meta.url));
const dataDir = values.data ?? env.COMPANION_APP_DATA ?? join(homedir(), '.config', 'Creator Companion');

const host = new CompanionHost({
  dataDir,
  platform: WEB_PLATFORM,
  launchBackend: nodeLauncher(join(distDir, 'backend', 'cli.mjs')),
  embeddedTestClock: values['test-clock'] ?? env.COMPANION_TEST_CLOCK,
  embeddedAdminToken: values['admin-token'] ?? env.COMPANION_ADMIN_TOKEN,
  embeddedPort: Number(values['backend-port'] ?? env.COMPANION_BACKEND_PORT ?? 0),
  localAccount: {
    name: values['local-name'] ?? env.COMPANION_LOCAL_NAME ?? 'My account',
    timeZone: values['local-timezone'] ?? env.COMPANION_LOCAL_TIMEZONE ?? (Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'),
  },
});

const web = await startWebServer({
  host,
  rendererDir: join(distDir, 'renderer'),
  port: Number(values.port ?? env.COMPANION_WEB_PORT ?? 0),
  secret: values.secret ?? env.COMPANION_WEB_SECRET,
});
process.stdout.write(`Creator Companion (web mode) at ${web.openURL}\n`);
await host.start();
if (host.embeddedURL) process.stdout.write(`embedded backend at ${host.embeddedURL}\n`);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  await web.close();
  await host.stop();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
