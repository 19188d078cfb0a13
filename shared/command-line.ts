/**
 * The app's command lines (`npm run web`, `npm run backend`) read their flags from one table per command: the same
 * table parses them, falls back to their environment variables and prints `--help`, so the help cannot drift from what
 * is accepted. An unknown flag is one line and exit code 2, never a stack trace.
 */

export interface CommandOption {
  /** The flag without its dashes: `port` is `--port`. */
  name: string;
  type: 'string' | 'boolean';
  /** What the value is, for the help: `<port>`, `<folder>`. */
  value?: string;
  env?: string;
  description: string;
}

export interface CommandSpec {
  /** How it is run: `npm run web --`. */
  usage: string;
  summary: string;
  options: CommandOption[];
}

export type CommandValues = Record<string, string | boolean | undefined>;

export type CommandLine =
  { kind: 'run'; values: CommandValues } | { kind: 'help'; text: string } | { kind: 'error'; message: string };

/** The flags in `argv` (`--name value`, `--name=value`, `--flag`), each falling back to its environment variable. */
export function parseCommandLine(
  spec: CommandSpec,
  argv: readonly string[],
  env: Record<string, string | undefined>,
): CommandLine {
  const values: CommandValues = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return { kind: 'help', text: helpText(spec) };
    const match = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (!match) return { kind: 'error', message: `unexpected argument ${arg}` };
    const [, name, inline] = match;
    const option = spec.options.find((o) => o.name === name);
    if (!option) return { kind: 'error', message: `unknown option --${name}` };
    if (option.type === 'boolean') {
      if (inline !== undefined) return { kind: 'error', message: `--${name} takes no value` };
      values[option.name] = true;
      continue;
    }
    const value = inline ?? argv[i + 1];
    if (value === undefined || (inline === undefined && value.startsWith('--')))
      return { kind: 'error', message: `--${name} needs a value ${option.value ?? ''}`.trim() };
    if (inline === undefined) i += 1;
    values[option.name] = value;
  }
  for (const option of spec.options) {
    if (values[option.name] !== undefined || !option.env) continue;
    const fromEnv = env[option.env];
    if (fromEnv !== undefined && fromEnv !== '')
      values[option.name] = option.type === 'boolean' ? fromEnv === '1' || fromEnv === 'true' : fromEnv;
  }
  return { kind: 'run', values };
}

/** The usage line, the summary and one row per option: flag, environment variable, meaning. */
export function helpText(spec: CommandSpec): string {
  const flags = spec.options.map((o) => `--${o.name}${o.value ? ` ${o.value}` : ''}`);
  const envs = spec.options.map((o) => o.env ?? '');
  const flagWidth = Math.max(...flags.map((f) => f.length), '--help'.length);
  const envWidth = Math.max(...envs.map((e) => e.length), 'Environment'.length);
  const row = (flag: string, env: string, meaning: string) =>
    `  ${flag.padEnd(flagWidth)}  ${env.padEnd(envWidth)}  ${meaning}`.trimEnd();
  return [
    `Usage: ${spec.usage} [options]`,
    '',
    spec.summary,
    '',
    row('Option', 'Environment', 'Meaning'),
    ...spec.options.map((o, i) => row(flags[i]!, envs[i]!, o.description)),
    row('--help', '', 'Print this help and exit'),
    '',
  ].join('\n');
}

export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  exit(code: number): never;
}

/** The values to run with; or the help printed (exit 0), or the error in one line with a pointer to --help (exit 2). */
export function commandLineOrExit(
  program: string,
  spec: CommandSpec,
  argv: readonly string[],
  env: Record<string, string | undefined>,
  io: CommandIo,
): CommandValues {
  const line = parseCommandLine(spec, argv, env);
  if (line.kind === 'run') return line.values;
  if (line.kind === 'help') {
    io.out(line.text);
    return io.exit(0);
  }
  io.err(`${program}: ${line.message}; see ${spec.usage} --help\n`);
  return io.exit(2);
}

export function stringOption(values: CommandValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function booleanOption(values: CommandValues, name: string): boolean {
  return values[name] === true;
}
