/**
 * `npm run web`: the app in web mode. Starts the host services (and the embedded backend when no account is
 * configured), serves the built renderer on 127.0.0.1 and prints the URL to open. `--help` lists the options (each
 * also read from its environment variable): webCommand below.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandLineOrExit, stringOption, type CommandSpec } from '../../shared/command-line.js';
import { CompanionHost, WEB_PLATFORM } from '../host/companion-host.js';
import { nodeLauncher } from '../host/embedded-backend.js';
import { startWebServer } from './server.js';

export const webCommand: CommandSpec = {
  usage: 'npm run web --',
  summary:
    'Creator Companion in web mode: serves the app on 127.0.0.1 and prints the address to open (with its per-launch secret).',
  options: [
    {
      name: 'port',
      type: 'string',
      value: '<port>',
      env: 'COMPANION_WEB_PORT',
      description: 'Port of the web page (0 = any free port; default 0)',
    },
    {
      name: 'data',
      type: 'string',
      value: '<folder>',
      env: 'COMPANION_APP_DATA',
      description: "The app's data folder (default ~/.config/Creator Companion)",
    },
    {
      name: 'secret',
      type: 'string',
      value: '<secret>',
      env: 'COMPANION_WEB_SECRET',
      description: 'Access secret of the page (default: a new one each launch)',
    },
    {
      name: 'backend-port',
      type: 'string',
      value: '<port>',
      env: 'COMPANION_BACKEND_PORT',
      description: 'Port of the built-in backend (0 = any free port; default 0)',
    },
    {
      name: 'backend-restart-delay',
      type: 'string',
      value: '<ms>',
      env: 'COMPANION_BACKEND_RESTART_DELAY_MS',
      description: 'Wait before restarting a built-in backend that stopped (doubles, default 500)',
    },
    {
      name: 'admin-token',
      type: 'string',
      value: '<token>',
      env: 'COMPANION_ADMIN_TOKEN',
      description: "The built-in backend's admin token (tests and demos)",
    },
    {
      name: 'test-clock',
      type: 'string',
      value: '<ISO time>',
      env: 'COMPANION_TEST_CLOCK',
      description: 'Run the built-in backend on a test clock from this time',
    },
    {
      name: 'local-name',
      type: 'string',
      value: '<name>',
      env: 'COMPANION_LOCAL_NAME',
      description: 'Name of the local account made on first run (default My account)',
    },
    {
      name: 'local-timezone',
      type: 'string',
      value: '<zone>',
      env: 'COMPANION_LOCAL_TIMEZONE',
      description: "Time zone of that account (default this computer's)",
    },
  ],
};

const io = {
  out: (text: string) => process.stdout.write(text),
  err: (text: string) => process.stderr.write(text),
  exit: (code: number) => process.exit(code),
};
const values = commandLineOrExit('companion-web', webCommand, process.argv.slice(2), process.env, io);
const option = (name: string) => stringOption(values, name);

/** Where the built files are: this file is bundled to dist/web/main.mjs, beside dist/backend and dist/renderer. */
const distDir = fileURLToPath(new URL('..', import.meta.url));
const dataDir = option('data') ?? join(homedir(), '.config', 'Creator Companion');

const host = new CompanionHost({
  dataDir,
  platform: WEB_PLATFORM,
  launchBackend: nodeLauncher(join(distDir, 'backend', 'cli.mjs')),
  embeddedTestClock: option('test-clock'),
  embeddedAdminToken: option('admin-token'),
  embeddedPort: Number(option('backend-port') ?? 0),
  ...(option('backend-restart-delay')
    ? { embeddedBackoff: { firstDelayMs: Number(option('backend-restart-delay')) } }
    : {}),
  localAccount: {
    name: option('local-name') ?? 'My account',
    timeZone: option('local-timezone') ?? (Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'),
  },
});

// The web server opens first, then the host starts (spawning the built-in backend) while it does: the page is served
// at once, showing the last known balances, and goes live as the backend answers.
const webStarted = startWebServer({
  host,
  rendererDir: join(distDir, 'renderer'),
  port: Number(option('port') ?? 0),
  secret: option('secret'),
});
const hostStarted = host.start();
const web = await webStarted;
process.stdout.write(`Creator Companion (web mode) at ${web.openURL}\n`);
await hostStarted;
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
