/**
 * What the history needs from an account's backend beyond the typed client: the workspace routes the client has no
 * method for (PATCH and DELETE /v1/workspaces/:id) and ranged output downloads, over fetch with the account's
 * base URL and token. Failures come back as RemoteFailure with the HTTP status (0 when the backend was not reached).
 */
import { Workspace } from '../../../shared/api.js';
import type { CompanionClient } from '../../../shared/client.js';
import { isApiError } from '../../../shared/errors.js';

export class RemoteFailure extends Error {
  constructor(
    message: string,
    /** The HTTP status; 0 when the request never got an answer. */
    readonly status: number,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'RemoteFailure';
  }
}

export interface AccountEndpoint {
  baseURL: string;
  token: string;
}

const TIMEOUT_MS = 15_000;

function url(endpoint: AccountEndpoint, path: string): string {
  return `${endpoint.baseURL.replace(/\/+$/, '')}${path}`;
}

/** A fetch with the account's token that turns a transport failure into RemoteFailure(status 0). */
export async function fetchWithToken(endpoint: AccountEndpoint, path: string, init: RequestInit = {}, signal?: AbortSignal): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${endpoint.token}`);
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  try {
    return await fetch(url(endpoint, path), { ...init, headers, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  } catch (error) {
    const cause = (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message;
    throw new RemoteFailure(`Cannot reach ${endpoint.baseURL}: ${cause}`, 0);
  }
}

async function failureOf(response: Response): Promise<RemoteFailure> {
  let code: string | null = null;
  let detail = `HTTP ${response.status}`;
  try {
    const body = (await response.json()) as { code?: unknown; detail?: unknown; title?: unknown };
    if (typeof body.code === 'string') code = body.code;
    if (typeof body.detail === 'string') detail = body.detail;
    else if (typeof body.title === 'string') detail = body.title;
  } catch {
    // not problem+json: the status says enough
  }
  return new RemoteFailure(detail, response.status, code);
}

/** The workspace routes, with every failure as a RemoteFailure so the queue can tell "gone" (404) from "unreachable". */
export interface WorkspaceRemote {
  create(name: string, idempotencyKey: string): Promise<Workspace>;
  rename(id: string, name: string): Promise<Workspace>;
  delete(id: string): Promise<void>;
  addItem(id: string, generationId: string): Promise<Workspace>;
  removeItem(id: string, generationId: string): Promise<Workspace>;
  exists(id: string): Promise<boolean>;
}

async function viaClient<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isApiError(error)) throw new RemoteFailure(error.message, error.code === 'network_error' ? 0 : error.status, error.code);
    throw error;
  }
}

export function workspaceRemote(client: CompanionClient, endpoint: AccountEndpoint | null): WorkspaceRemote {
  const seg = encodeURIComponent;
  const raw = async (method: 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<Response> => {
    if (!endpoint) throw new RemoteFailure('No token for this account: the host did not pass tokenFor', 0);
    const response = await fetchWithToken(endpoint, path, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    if (!response.ok) throw await failureOf(response);
    return response;
  };
  return {
    create: (name, key) => viaClient(() => client.createWorkspace({ name }, key)),
    rename: async (id, name) => Workspace.parse(await (await raw('PATCH', `/v1/workspaces/${seg(id)}`, { name })).json()),
    delete: async (id) => {
      await (await raw('DELETE', `/v1/workspaces/${seg(id)}`)).arrayBuffer();
    },
    addItem: (id, generationId) => viaClient(() => client.addWorkspaceItem(id, generationId)),
    removeItem: (id, generationId) => viaClient(() => client.removeWorkspaceItem(id, generationId)),
    exists: (id) =>
      viaClient(async () => {
        let cursor: string | undefined;
        do {
          const page = await client.listWorkspaces({ limit: 500, ...(cursor ? { cursor } : {}) });
          if (page.items.some((w) => w.id === id)) return true;
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        return false;
      }),
  };
}
