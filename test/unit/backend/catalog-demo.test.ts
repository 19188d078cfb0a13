import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CATALOG_PATH } from '../../../backend/catalog.js';
import { startBackend, type TestBackend } from '../../support/backend.js';
import { startFakeSdWebUi, type FakeSdWebUi } from '../../support/fake-sd-webui.js';

let backend: TestBackend | null = null;
let fake: FakeSdWebUi | null = null;
let folder: string | null = null;

afterEach(async () => {
  await backend?.stop();
  await fake?.close();
  if (folder !== null) rmSync(folder, { recursive: true, force: true });
  backend = fake = folder = null;
});

describe('GET /v1/catalog: which models the built-in demo generator renders', () => {
  it('marks every model of the shipped catalog as demo: the built-in provider makes placeholders', async () => {
    backend = await startBackend();
    const catalog = await backend.client().catalog();
    expect(catalog.models.length).toBeGreaterThan(0);
    expect(catalog.models.map((model) => [model.id, model.demo])).toEqual(
      catalog.models.map((model) => [model.id, true]),
    );
  });

  it('a model served by a Stable-Diffusion-WebUI server is not demo; the others still are', async () => {
    fake = await startFakeSdWebUi();
    folder = mkdtempSync(join(tmpdir(), 'companion-catalog-'));
    const shipped = JSON.parse(readFileSync(DEFAULT_CATALOG_PATH, 'utf8')) as {
      models: Array<Record<string, unknown>>;
    };
    shipped.models = shipped.models.map((model) =>
      model.id === 'spark-image' ? { ...model, provider: { kind: 'sd-webui', url: fake!.url } } : model,
    );
    const catalogPath = join(folder, 'catalog.json');
    writeFileSync(catalogPath, JSON.stringify(shipped));
    backend = await startBackend({ catalogPath });
    const models = (await backend.client().catalog()).models;
    expect(models.find((model) => model.id === 'spark-image')?.demo).toBe(false);
    expect(models.find((model) => model.id === 'vivid-image')?.demo).toBe(true);
  });
});
