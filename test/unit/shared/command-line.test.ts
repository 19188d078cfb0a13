/**
 * The command lines: `--help` prints every option (flag, environment variable, meaning) and exits 0; an unknown flag
 * is one line that points to --help and exits 2, with no stack trace. Both CLIs are spawned as a person runs them.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { helpText, parseCommandLine, type CommandSpec } from '../../../shared/command-line.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

function run(entry: string, args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('COMPANION_')));
  return spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', '--import', 'tsx', entry, ...args], {
    cwd: repoRoot,
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe.each([
  {
    entry: 'backend/cli.ts',
    program: 'companion-backend',
    usage: 'npm run backend --',
    flags: ['--port <port>', '--data <folder>', '--admin-token <token>', '--database <url>', '--exit-with-parent'],
    envs: ['COMPANION_PORT', 'COMPANION_DATABASE_URL'],
  },
  {
    entry: 'electron/web/cli.ts',
    program: 'companion-web',
    usage: 'npm run web --',
    flags: [
      '--port <port>',
      '--data <folder>',
      '--secret <secret>',
      '--backend-port <port>',
      '--local-timezone <zone>',
    ],
    envs: ['COMPANION_WEB_PORT', 'COMPANION_APP_DATA'],
  },
])('$entry', ({ entry, program, usage, flags, envs }) => {
  it('--help prints every option with its environment variable and exits 0', () => {
    const result = run(entry, ['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`Usage: ${usage} [options]`);
    for (const flag of [...flags, ...envs, '--help']) expect(result.stdout).toContain(flag);
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it('an unknown flag is one line pointing to --help, exit code 2', () => {
    const result = run(entry, ['--bogus']);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(`${program}: unknown option --bogus; see ${usage} --help`);
    expect(result.stdout).toBe('');
  });
});

const spec: CommandSpec = {
  usage: 'demo --',
  summary: 'A demo.',
  options: [
    { name: 'port', type: 'string', value: '<port>', env: 'DEMO_PORT', description: 'Port' },
    { name: 'log', type: 'boolean', env: 'DEMO_LOG', description: 'Log' },
  ],
};

describe('parseCommandLine', () => {
  it('reads --name value, --name=value and flags; a flag wins over its environment variable', () => {
    expect(parseCommandLine(spec, ['--port', '80', '--log'], { DEMO_PORT: '90' })).toEqual({
      kind: 'run',
      values: { port: '80', log: true },
    });
    expect(parseCommandLine(spec, ['--port=81'], {})).toEqual({ kind: 'run', values: { port: '81' } });
    expect(parseCommandLine(spec, [], { DEMO_PORT: '90', DEMO_LOG: '1' })).toEqual({
      kind: 'run',
      values: { port: '90', log: true },
    });
  });

  it('says what is wrong with a bad command line', () => {
    expect(parseCommandLine(spec, ['--port'], {})).toEqual({ kind: 'error', message: '--port needs a value <port>' });
    expect(parseCommandLine(spec, ['--port', '--log'], {})).toEqual({
      kind: 'error',
      message: '--port needs a value <port>',
    });
    expect(parseCommandLine(spec, ['--log=yes'], {})).toEqual({ kind: 'error', message: '--log takes no value' });
    expect(parseCommandLine(spec, ['stray'], {})).toEqual({ kind: 'error', message: 'unexpected argument stray' });
  });

  it('prints the help from the same table it parses with', () => {
    expect(parseCommandLine(spec, ['--port', '1', '-h'], {})).toEqual({ kind: 'help', text: helpText(spec) });
    expect(helpText(spec).split('\n')).toEqual([
      'Usage: demo -- [options]',
      '',
      'A demo.',
      '',
      '  Option         Environment  Meaning',
      '  --port <port>  DEMO_PORT    Port',
      '  --log          DEMO_LOG     Log',
      '  --help                      Print this help and exit',
      '',
    ]);
  });
});
