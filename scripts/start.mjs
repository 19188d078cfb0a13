// `npm start`: opens the Electron window where the Electron binary can be had; otherwise says so in one line and
// serves the same app in web mode, printing its URL.
import { spawn, spawnSync } from 'node:child_process';

function electronBinary() {
  if (process.env.COMPANION_WEB === '1' || process.env.ELECTRON_SKIP_BINARY_DOWNLOAD === '1') return null;
  // electron's index.js resolves the binary path and, on first use, downloads the binary; asked in a child process so
  // that a failed download here is one quiet answer, not a stack trace.
  const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], { encoding: 'utf8' });
  return probe.status === 0 && probe.stdout ? probe.stdout.trim() : null;
}

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(
    'Usage: npm start [-- options]\n\nOpens the Electron window; where the Electron binary is not available, serves the same app in web mode,\nwhich takes these options:\n',
  );
  const help = spawnSync(process.execPath, ['dist/web/cli.mjs', '--help'], { stdio: 'inherit' });
  process.exit(help.status ?? 0);
}

const binary = electronBinary();
const child = binary
  ? spawn(binary, ['.'], { stdio: 'inherit' })
  : (console.log('The Electron binary is not available here; serving the same app in web mode instead.'),
    spawn(process.execPath, ['--disable-warning=ExperimentalWarning', 'dist/web/cli.mjs', ...args], {
      stdio: 'inherit',
    }));
child.on('exit', (code) => process.exit(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
