/** Which provider makes a model's outputs: the catalog's choice per model (an SD WebUI server, or the local one). */
import type { Catalog } from '../../shared/api.js';
import { LocalProvider } from './local.js';
import type { GenerationProvider } from './provider.js';
import { SdWebUiProvider } from './sd-webui.js';

export class ProviderDirectory {
  readonly #local = new LocalProvider();
  /** One client per SD WebUI server, shared by every model it serves. */
  readonly #remote = new Map<string, GenerationProvider>();

  constructor(
    private readonly catalog: Catalog,
    private readonly timeoutMs: number,
    /** One provider for every model instead (tests). */
    private readonly only?: GenerationProvider,
  ) {}

  /**
   * The catalog as served: it says which models the built-in demo generator renders, so the app can say so (a test's
   * own provider stands in for a real one).
   */
  servedCatalog(): Catalog {
    const demo = (model: Catalog['models'][number]) => this.only === undefined && model.provider?.kind !== 'sd-webui';
    return { ...this.catalog, models: this.catalog.models.map((model) => ({ ...model, demo: demo(model) })) };
  }

  providerFor(modelId: string): GenerationProvider {
    if (this.only) return this.only;
    const model = this.catalog.models.find((m) => m.id === modelId);
    if (model?.provider?.kind !== 'sd-webui') return this.#local;
    const url = model.provider.url;
    let provider = this.#remote.get(url);
    if (!provider) {
      provider = new SdWebUiProvider({ baseURL: url, timeoutMs: this.timeoutMs });
      this.#remote.set(url, provider);
    }
    return provider;
  }
}
