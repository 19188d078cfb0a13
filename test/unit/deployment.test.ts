/**
 * The deployment files (docs/OPERATING.md "Deployment files"). Docker cannot build or run here, so these check what
 * an engine would be given: the compose file's services, the Dockerfile's stages, and the systemd unit's hardening,
 * which `systemd-analyze verify` also checks where it exists.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);
// js-yaml comes with electron-builder; a YAML 1.2 parser is all this needs.
const yaml = require('js-yaml') as { load(text: string): unknown };
const read = (path: string) => readFileSync(join(repo, path), 'utf8');

interface ComposeService {
  build?: unknown;
  image?: string;
  init?: boolean;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
}

/** The unit's settings as key → every value given (a key may repeat). */
function unitSettings(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match) settings.set(match[1] as string, [...(settings.get(match[1] as string) ?? []), match[2] as string]);
  }
  return settings;
}

describe('compose.yaml', () => {
  const compose = yaml.load(read('compose.yaml')) as {
    services: Record<string, ComposeService>;
    volumes: Record<string, unknown>;
  };

  it('runs the backend on PostgreSQL once the database is healthy', () => {
    const { backend, postgres } = compose.services as { backend: ComposeService; postgres: ComposeService };
    expect(backend.build).toBe('.');
    expect(backend.environment?.COMPANION_DATABASE_URL).toMatch(
      /^postgres:\/\/companion:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/companion$/,
    );
    expect(backend.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(postgres.image).toMatch(/^postgres:\d+/);
    expect(postgres.healthcheck?.test.join(' ')).toContain('pg_isready');
    expect(postgres.environment).toMatchObject({ POSTGRES_USER: 'companion', POSTGRES_DB: 'companion' });
  });

  it('keeps the admin token and the password out of the file, and both stores on named volumes', () => {
    const { backend, postgres } = compose.services as { backend: ComposeService; postgres: ComposeService };
    expect(backend.environment?.COMPANION_ADMIN_TOKEN).toMatch(/^\$\{COMPANION_ADMIN_TOKEN:\?/);
    expect(postgres.environment?.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    expect(backend.environment?.COMPANION_DATA).toBe('/var/lib/companion');
    expect(backend.volumes).toContain('companion-data:/var/lib/companion');
    expect(postgres.volumes).toContain('postgres-data:/var/lib/postgresql/data');
    expect(Object.keys(compose.volumes).sort()).toEqual(['companion-data', 'postgres-data']);
  });

  it('forwards SIGTERM and leaves time for the drain, and publishes on loopback only', () => {
    const backend = compose.services.backend as ComposeService;
    expect(backend.init).toBe(true);
    expect(Number.parseInt(backend.stop_grace_period ?? '0', 10)).toBeGreaterThanOrEqual(15);
    expect(backend.ports).toEqual(['127.0.0.1:8080:8080']);
  });

  it('checks that the backend is ready, not only alive', () => {
    const backend = compose.services.backend as ComposeService;
    expect(backend.healthcheck?.test.join(' ')).toContain('/v1/ready');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const instructions = dockerfile.split('\n').filter((l) => /^[A-Z]+\s/.test(l));

  it('builds in one stage and runs from Node 22 slim with only the runtime dependencies in another', () => {
    const stages = instructions.filter((l) => l.startsWith('FROM '));
    expect(stages).toEqual(['FROM node:22-slim AS build', 'FROM node:22-slim AS runtime']);
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(runtime).toMatch(/npm install --omit=dev/);
    expect(runtime).toContain('COPY --from=build /app/dist/backend ./dist/backend');
    expect(runtime).not.toMatch(/tsx/);
  });

  it('runs as the unprivileged node user with node as PID 1, and checks health', () => {
    const runtime = instructions.slice(instructions.findIndex((l) => l.includes('AS runtime')));
    expect(runtime).toContain('USER node');
    const cmd = runtime.find((l) => l.startsWith('CMD '));
    expect(JSON.parse((cmd as string).slice(4))).toEqual([
      'node',
      '--disable-warning=ExperimentalWarning',
      'dist/backend/cli.mjs',
    ]);
    expect(dockerfile).toMatch(
      /HEALTHCHECK [^\n]*\\\n\s+CMD \["node", "-e", "fetch\(`http:\/\/127\.0\.0\.1:\$\{process\.env\.COMPANION_PORT\}\/v1\/ready`\)/,
    );
  });
});

describe('deploy/creator-companion-backend.service', () => {
  const unitPath = join(repo, 'deploy/creator-companion-backend.service');
  const settings = unitSettings(read('deploy/creator-companion-backend.service'));

  it('is hardened: a dynamic user, a read-only system, no capabilities, no new privileges', () => {
    for (const [key, value] of [
      ['DynamicUser', 'yes'],
      ['ProtectSystem', 'strict'],
      ['PrivateTmp', 'yes'],
      ['NoNewPrivileges', 'yes'],
      ['CapabilityBoundingSet', ''],
      ['StateDirectory', 'creator-companion'],
      ['KillSignal', 'SIGTERM'],
    ] as const) {
      expect(settings.get(key), key).toEqual([value]);
    }
    expect(Number(settings.get('TimeoutStopSec')?.[0])).toBeGreaterThanOrEqual(15);
    expect(settings.get('Environment')).toContain('COMPANION_DATA=/var/lib/creator-companion');
  });

  it('reads the admin token from an EnvironmentFile, never from the command line', () => {
    expect(settings.get('EnvironmentFile')).toEqual(['/etc/creator-companion/backend.env']);
    const start = settings.get('ExecStart')?.join(' ') ?? '';
    expect(start).toContain('dist/backend/cli.mjs');
    expect(start).not.toMatch(/admin-token|COMPANION_ADMIN_TOKEN/);
    expect((settings.get('Environment') ?? []).join(' ')).not.toMatch(/ADMIN_TOKEN/);
  });

  const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));
  if (!analyze) console.warn('systemd-analyze is not installed here: the unit is checked by its keys only');
  it.skipIf(!analyze)('passes systemd-analyze verify with nothing to say', () => {
    // verify exits 0 on an unknown key and only warns on stderr: a sound unit leaves both streams empty.
    const result = spawnSync(analyze as string, ['verify', unitPath], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(`${result.stdout}${result.stderr}`).toBe('');
  });
});
