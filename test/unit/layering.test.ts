/**
 * The layering rule (docs/ARCHITECTURE.md, "Layers"): shared/ imports no Node, DOM or Electron; the renderer imports no
 * Node or Electron; the backend's layers import only those below them (storage, policy, domain, queue, http); no
 * module imports itself through others. The lint step enforces it; this test proves the lint step really fails on a
 * violation.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const probes: string[] = [];

function lint(
  relativePath: string,
  source: string,
  companions: Record<string, string> = {},
): { status: number; output: string } {
  for (const [path, text] of Object.entries({ [relativePath]: source, ...companions })) {
    const file = join(repo, path);
    probes.push(file);
    writeFileSync(file, text);
  }
  try {
    const output = execFileSync(
      join(repo, 'node_modules', '.bin', 'oxlint'),
      ['-c', '.oxlintrc.json', '--deny-warnings', relativePath],
      { cwd: repo, encoding: 'utf8' },
    );
    return { status: 0, output };
  } catch (error) {
    const failure = error as { status: number; stdout: string };
    return { status: failure.status, output: failure.stdout };
  }
}

describe('layering lint', () => {
  afterEach(() => {
    for (const file of probes.splice(0)) rmSync(file, { force: true });
  });

  it('fails when shared/ imports a node: module', () => {
    const result = lint(
      'shared/__probe_node.ts',
      "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
    );
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('no-restricted-imports');
  });

  it('fails when shared/ imports electron', () => {
    const result = lint('shared/__probe_electron.ts', "import { app } from 'electron';\nexport const a = app;\n");
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('no-restricted-imports');
  });

  it('fails when shared/ uses a DOM global', () => {
    const result = lint('shared/__probe_dom.ts', 'export const title = () => document.title;\n');
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('no-restricted-globals');
  });

  it('fails when the renderer imports Node or Electron', () => {
    const node = lint(
      'renderer/src/__probe_node.ts',
      "import { homedir } from 'node:os';\nexport const h = homedir;\n",
    );
    expect(node.status).not.toBe(0);
    const electron = lint(
      'renderer/src/__probe_electron.ts',
      "import { ipcRenderer } from 'electron';\nexport const i = ipcRenderer;\n",
    );
    expect(electron.status).not.toBe(0);
  });

  const backendLayers: Array<{ layer: string; forbidden: string; source: string }> = [
    {
      layer: 'storage',
      forbidden: 'policy',
      source: "import { planOf } from '../policy/context.js';\nexport const p = planOf;\n",
    },
    {
      layer: 'storage',
      forbidden: 'domain',
      source: "import { Accounts } from '../domain/accounts.js';\nexport const a = Accounts;\n",
    },
    {
      layer: 'storage',
      forbidden: 'queue',
      source: "import { JobQueue } from '../queue/job-queue.js';\nexport const q = JobQueue;\n",
    },
    {
      layer: 'storage',
      forbidden: 'http',
      source: "import { defineRoute } from '../http/http.js';\nexport const d = defineRoute;\n",
    },
    {
      layer: 'policy',
      forbidden: 'domain',
      source: "import { Generations } from '../domain/generations.js';\nexport const g = Generations;\n",
    },
    {
      layer: 'policy',
      forbidden: 'queue',
      source: "import { JobQueue } from '../queue/job-queue.js';\nexport const q = JobQueue;\n",
    },
    {
      layer: 'policy',
      forbidden: 'http',
      source: "import { sendProblem } from '../http/problem-json.js';\nexport const s = sendProblem;\n",
    },
    {
      layer: 'domain',
      forbidden: 'queue',
      source: "import { WorkerPool } from '../queue/worker-pool.js';\nexport const w = WorkerPool;\n",
    },
    {
      layer: 'domain',
      forbidden: 'http',
      source: "import { defineRoute } from '../http/http.js';\nexport const d = defineRoute;\n",
    },
    {
      layer: 'queue',
      forbidden: 'http',
      source: "import { registerEventStream } from '../http/sse.js';\nexport const r = registerEventStream;\n",
    },
  ];

  for (const { layer, forbidden, source } of backendLayers) {
    it(`fails when backend/${layer}/ imports backend/${forbidden}/`, () => {
      const result = lint(`backend/${layer}/__probe_${forbidden}.ts`, source);
      expect(result.status).not.toBe(0);
      expect(result.output).toContain('no-restricted-imports');
      expect(result.output).toContain(`${layer}/ never imports ${forbidden}/`);
    });
  }

  it('passes a backend layer importing the layers below it', () => {
    const result = lint(
      'backend/domain/__probe_below.ts',
      "import { planOf } from '../policy/context.js';\nimport { newId } from '../storage/ids.js';\nexport const both = [planOf, newId];\n",
    );
    expect(result.status).toBe(0);
  });

  it('fails on an import cycle', () => {
    const result = lint(
      'backend/storage/__probe_cycle_a.ts',
      "import { b } from './__probe_cycle_b.js';\nexport const a = (): number => b() + 1;\n",
      {
        'backend/storage/__probe_cycle_b.ts':
          "import { a } from './__probe_cycle_a.js';\nexport const b = (): number => a() - 1;\n",
      },
    );
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('no-cycle');
  });

  it('passes pure code in shared/', () => {
    const result = lint('shared/__probe_pure.ts', 'export const double = (n: number): number => n * 2;\n');
    expect(result.status).toBe(0);
  });
});
