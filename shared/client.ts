/**
 * The typed client of the backend API (docs/API.md). One method per route; every response is parsed by its schema;
 * problem+json becomes an ApiError with its stable code. Safe calls and network failures are retried with
 * exponential backoff; a charging POST carries an Idempotency-Key so that a retry after a network failure is safe.
 */
import axios, {
  AxiosError,
  type AxiosInstance,
  type AxiosRequestConfig,
  type AxiosResponse,
  type GenericAbortSignal,
} from 'axios';
import axiosRetry, { exponentialDelay, isNetworkError } from 'axios-retry';
import { z } from 'zod';
import * as api from './api.js';
import { ApiError, parseProblem } from './errors.js';

export interface CompanionClientOptions {
  baseURL: string;
  token?: string;
  /** Retries for safe calls and network failures; 0 turns retrying off. */
  retries?: number;
  timeoutMs?: number;
}

const SAFE_METHODS = new Set(['get', 'head', 'options']);

/** Where a download of an output resumes: the bytes already held, and the output's sha256 they must belong to. */
export interface DownloadFrom {
  offset: number;
  sha256: string;
}

/**
 * An output's bytes as they arrive. `resumed` says the answer continues the bytes already held (206 from the offset
 * asked); otherwise the body is the whole file. `unsatisfiable` (416) means the offset is past the file's end: the
 * held bytes are not a prefix of it. A connection that breaks mid-body fails the iteration with a network_error.
 */
export type OutputDownload =
  { kind: 'bytes'; resumed: boolean; body: AsyncIterable<Uint8Array> } | { kind: 'unsatisfiable' };

/** Reads a whole (small) body, such as a problem+json answer to a streamed request. */
async function drain(body: AsyncIterable<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of body) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

function jsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null; // not JSON: the status says what happened
  }
}

function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

export function createCompanionClient(options: CompanionClientOptions) {
  const http: AxiosInstance = axios.create({
    baseURL: options.baseURL.replace(/\/+$/, ''),
    timeout: options.timeoutMs ?? 15_000,
    headers: options.token ? { Authorization: `Bearer ${options.token}` } : {},
    // Errors are mapped below from the body, so every status resolves here.
    validateStatus: () => true,
  });
  // axios-retry only sees rejected requests; with validateStatus accepting everything, turn retryable statuses
  // of safe calls back into rejections so the retry interceptor can act on them.
  http.interceptors.response.use((response) => {
    const method = response.config.method?.toLowerCase() ?? '';
    if (SAFE_METHODS.has(method) && (response.status === 429 || (response.status >= 500 && response.status !== 501))) {
      return Promise.reject(
        new AxiosError('retryable status', String(response.status), response.config, null, response),
      );
    }
    return response;
  });

  axiosRetry(http, {
    retries: options.retries ?? 3,
    retryDelay: (count, error) => exponentialDelay(count, error, 100),
    retryCondition: (error: AxiosError) => {
      if (isNetworkError(error)) return true;
      const method = error.config?.method?.toLowerCase() ?? '';
      const status = error.response?.status ?? 0;
      return SAFE_METHODS.has(method) && (status === 429 || status >= 500) && status !== 501;
    },
  });
  // (The interceptor above is added first on purpose: axios runs response interceptors in the order they were added,
  // so axios-retry sees the rejection it makes.)

  const unreachable = (error: unknown) =>
    new ApiError(
      'network_error',
      0,
      `Cannot reach ${options.baseURL}: ${error instanceof Error ? error.message : String(error)}`,
    );

  /** Any answer the backend gave (whatever its status); a request that got none is a network_error. */
  async function send(config: AxiosRequestConfig): Promise<AxiosResponse> {
    try {
      return await http.request(config);
    } catch (error) {
      if (error instanceof AxiosError && error.response) return error.response;
      throw unreachable(error);
    }
  }

  function failure(status: number, body: unknown): ApiError {
    const problem = parseProblem(body);
    if (problem) return ApiError.fromProblem(problem);
    return new ApiError('invalid_response', status, `Unexpected ${status} answer from the backend`);
  }

  async function call<T extends z.ZodType>(schema: T, config: AxiosRequestConfig): Promise<z.infer<T>> {
    const response = await send(config);
    if (response.status >= 400) throw failure(response.status, response.data);
    const parsed = schema.safeParse(response.data);
    if (!parsed.success) {
      throw new ApiError(
        'invalid_response',
        response.status,
        `The backend's answer did not match the contract: ${parsed.error.message}`,
      );
    }
    return parsed.data;
  }

  const get = <T extends z.ZodType>(schema: T, url: string, params?: object) =>
    call(schema, { method: 'get', url, params });
  const charging = <T extends z.ZodType>(schema: T, url: string, data: unknown, idempotencyKey = newIdempotencyKey()) =>
    call(schema, { method: 'post', url, data, headers: { 'Idempotency-Key': idempotencyKey } });
  const post = <T extends z.ZodType>(schema: T, url: string, data?: unknown) =>
    call(schema, { method: 'post', url, data });
  const patch = <T extends z.ZodType>(schema: T, url: string, data: unknown) =>
    call(schema, { method: 'patch', url, data });
  const del = <T extends z.ZodType>(schema: T, url: string) => call(schema, { method: 'delete', url });
  const seg = encodeURIComponent;

  /** The body of a streamed answer, with a broken connection as a network_error like any other transport failure. */
  async function* streamed(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    try {
      for await (const chunk of body) yield chunk;
    } catch (error) {
      throw unreachable(error);
    }
  }

  /**
   * GET /v1/outputs/:id as a stream. Resuming asks for the bytes from `from.offset` on, If-Range the output's
   * sha256 (its ETag), so that a changed file comes back whole rather than as a wrong continuation. Not retried
   * here: the caller keeps what arrived and resumes from it.
   */
  async function downloadOutput(id: string, from?: DownloadFrom, signal?: GenericAbortSignal): Promise<OutputDownload> {
    const headers: Record<string, string> = {};
    if (from && from.offset > 0) {
      headers.Range = `bytes=${from.offset}-`;
      headers['If-Range'] = `"${from.sha256}"`;
    }
    const response = await send({
      method: 'get',
      url: `/v1/outputs/${seg(id)}`,
      headers,
      responseType: 'stream',
      signal,
      'axios-retry': { retries: 0 },
    });
    const body = response.data as AsyncIterable<Uint8Array>;
    if (response.status === 416) {
      await drain(streamed(body));
      return { kind: 'unsatisfiable' };
    }
    if (response.status !== 200 && response.status !== 206) {
      throw failure(response.status, jsonOrNull(await drain(streamed(body)).catch(() => '')));
    }
    const contentRange = String(response.headers['content-range'] ?? '');
    const resumed =
      response.status === 206 && !!from && from.offset > 0 && contentRange.startsWith(`bytes ${from.offset}-`);
    return { kind: 'bytes', resumed, body: streamed(body) };
  }

  return {
    baseURL: options.baseURL,
    health: () => get(api.Health, '/v1/health'),
    ready: () => get(api.Ready, '/v1/ready'),
    catalog: () => get(api.Catalog, '/v1/catalog'),
    me: () => get(api.Me, '/v1/me'),
    balance: () => get(api.Balance, '/v1/me/balance'),
    updateMe: (body: api.MeUpdate) => patch(api.Me, '/v1/me', body),
    subscribe: (body: z.input<typeof api.SubscribeRequest>, idempotencyKey?: string) =>
      charging(api.Me, '/v1/me/subscription', body, idempotencyKey),
    cancelSubscription: () => del(api.Me, '/v1/me/subscription'),
    buyTopup: (body: z.input<typeof api.TopupRequest>, idempotencyKey?: string) =>
      charging(api.Balance, '/v1/me/topups', body, idempotencyKey),
    estimateCost: (body: api.CostEstimateRequest) => post(api.CostEstimate, '/v1/estimates/cost', body),
    createGeneration: (body: api.GenerationRequest, idempotencyKey?: string) =>
      charging(api.Generation, '/v1/generations', body, idempotencyKey),
    uploadReference: (bytes: Uint8Array, mime: api.Upload['mime'], idempotencyKey = newIdempotencyKey()) =>
      call(api.Upload, {
        method: 'post',
        url: '/v1/uploads',
        data: bytes,
        headers: { 'Content-Type': mime, 'Idempotency-Key': idempotencyKey },
      }),
    enhancePrompt: (body: z.input<typeof api.EnhanceRequest>) => post(api.EnhanceResponse, '/v1/prompts/enhance', body),
    listGenerations: (query: api.GenerationQuery = {}) => get(api.GenerationPage, '/v1/generations', query),
    getGeneration: (id: string) => get(api.Generation, `/v1/generations/${seg(id)}`),
    cancelGeneration: (id: string) => post(api.Generation, `/v1/generations/${seg(id)}/cancel`, {}),
    rerunGeneration: (id: string, idempotencyKey?: string) =>
      charging(api.Generation, `/v1/generations/${seg(id)}/rerun`, {}, idempotencyKey),
    sync: (since?: string, limit?: number) => get(api.SyncResponse, '/v1/sync', { since, limit }),
    outputURL: (id: string) => `${options.baseURL.replace(/\/+$/, '')}/v1/outputs/${seg(id)}`,
    queue: () => get(api.QueueStatus, '/v1/queue'),
    usage: (query: z.input<typeof api.UsageQuery> = {}) => get(api.Usage, '/v1/usage', query),
    ledger: (query: z.input<typeof api.PageQuery> = {}) => get(api.LedgerPage, '/v1/ledger', query),
    renameWorkspace: (id: string, body: z.input<typeof api.WorkspaceUpdate>) =>
      patch(api.Workspace, `/v1/workspaces/${seg(id)}`, body),
    /** 204: the workspace is gone (or was already). */
    deleteWorkspace: async (id: string): Promise<void> => {
      await del(z.unknown(), `/v1/workspaces/${seg(id)}`);
    },
    downloadOutput,
    listWorkspaces: (query: z.input<typeof api.PageQuery> = {}) => get(api.WorkspacePage, '/v1/workspaces', query),
    createWorkspace: (body: z.input<typeof api.WorkspaceCreate>, idempotencyKey?: string) =>
      charging(api.Workspace, '/v1/workspaces', body, idempotencyKey),
    addWorkspaceItem: (workspaceId: string, generationId: string) =>
      post(api.Workspace, `/v1/workspaces/${seg(workspaceId)}/items`, { generationId }),
    removeWorkspaceItem: (workspaceId: string, generationId: string) =>
      del(api.Workspace, `/v1/workspaces/${seg(workspaceId)}/items/${seg(generationId)}`),
    appeal: (body: z.input<typeof api.AppealRequest>, idempotencyKey?: string) =>
      charging(api.Appeal, '/v1/me/appeals', body, idempotencyKey),
    admin: {
      createAccount: (body: api.AccountCreate, idempotencyKey?: string) =>
        charging(api.AccountCreated, '/v1/admin/accounts', body, idempotencyKey),
      moveClock: (body: api.ClockMove) => post(api.ClockState, '/v1/admin/clock', body),
      listAppeals: (query: z.input<typeof api.PageQuery> = {}) => get(api.AppealPage, '/v1/admin/appeals', query),
      decideAppeal: (id: string, body: z.input<typeof api.AppealDecision>) =>
        post(api.Appeal, `/v1/admin/appeals/${seg(id)}/decision`, body),
      flagAccount: (id: string, body: z.input<typeof api.FlagRequest>) =>
        post(api.Me, `/v1/admin/accounts/${seg(id)}/flags`, body),
      listAccounts: (query: z.input<typeof api.PageQuery> = {}) =>
        get(api.AdminAccountPage, '/v1/admin/accounts', query),
      /** A new token for an existing account (its other tokens keep working): also how a lost token is replaced. */
      issueToken: (accountId: string) => post(api.TokenIssued, `/v1/admin/accounts/${seg(accountId)}/tokens`, {}),
      revokeToken: (tokenId: string) => del(api.TokenRevoked, `/v1/admin/tokens/${seg(tokenId)}`),
      grantTopup: (accountId: string, body: z.input<typeof api.TopupGrant>) =>
        post(api.Balance, `/v1/admin/accounts/${seg(accountId)}/topups`, body),
    },
  };
}

export type CompanionClient = ReturnType<typeof createCompanionClient>;
