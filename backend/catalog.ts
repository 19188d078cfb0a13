import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Catalog } from '../shared/api.js';

export const DEFAULT_CATALOG_PATH = fileURLToPath(new URL('./catalog.json', import.meta.url));

/** Loads the catalog file and checks it, with an error that names the file and the bad field. */
export function loadCatalog(path = DEFAULT_CATALOG_PATH): Catalog {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read the catalog ${path}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = Catalog.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`The catalog ${path} is invalid: ${issues}`);
  }
  const catalog = parsed.data;
  const modelIds = new Set(catalog.models.map((m) => m.id));
  for (const plan of catalog.plans) {
    for (const u of plan.unlimitedModels) {
      if (!modelIds.has(u.modelId))
        throw new Error(`The catalog ${path} is invalid: plan ${plan.id} names unknown model ${u.modelId}`);
    }
  }
  if (!catalog.plans.some((p) => p.id === 'free'))
    throw new Error(`The catalog ${path} is invalid: it needs a "free" plan`);
  return catalog;
}
