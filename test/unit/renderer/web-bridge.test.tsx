import { describe, expect, it } from 'vitest';
import type { Alert, HostSnapshot } from '../../../shared/bridge.js';
import { SECRET_STORAGE_KEY, createWebBridge, takeSecret, type WebIo } from '../../../renderer/src/bridge/web.js';

const snapshot: HostSnapshot = {
  accounts: [
    {
      id: 'acc-1',
      label: 'Ana',
      backend: { kind: 'embedded', label: 'Built-in backend' },
      connection: {
        state: 'live',
        since: '2025-11-22T12:00:00.000Z',
        dataAsOf: '2025-11-22T12:00:00.000Z',
        error: null,
        nextRetryAt: null,
      },
      me: null,
      balance: null,
      queue: null,
      recentGenerations: [],
      sync: null,
    },
  ],
  selectedAccountId: 'acc-1',
  catalog: null,
  embedded: { state: 'running', error: null },
  settings: {
    theme: 'system',
    alertThresholds: [75, 90, 100],
    alertsEnabled: true,
    startAtLogin: false,
    closeToTray: false,
    cacheLimitBytes: 2 * 1024 ** 3,
    dataFolder: '/home/ana/.config/Creator Companion',
  },
  platform: { kind: 'web', tray: false, startAtLogin: false },
  secretsEncrypted: true,
};

type Call = { url: string; init: RequestInit | undefined };

function fakeFetch(answer: (call: Call) => Response | Promise<Response>): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetch = (async (url: string, init?: RequestInit) => {
    const call = { url, init };
    calls.push(call);
    return answer(call);
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

class FakeEventSource {
  static last: FakeEventSource | null = null;
  readonly listeners = new Map<string, ((event: { data?: string }) => void)[]>();
  closed = false;
  constructor(readonly url: string) {
    FakeEventSource.last = this;
  }
  addEventListener(name: string, listener: (event: { data?: string }) => void): void {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
  }
  close(): void {
    this.closed = true;
  }
  emit(name: string, data?: string): void {
    for (const listener of this.listeners.get(name) ?? []) listener({ data });
  }
}

function io(fetch: typeof globalThis.fetch): WebIo {
  return { fetch, EventSource: FakeEventSource as unknown as typeof EventSource };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('web bridge shim: method calls', () => {
  it('posts the input to /bridge/<method> with the secret header and returns the parsed value', async () => {
    const server = fakeFetch(() => json({ ok: true, value: snapshot }));
    const bridge = createWebBridge('s3cret', io(server.fetch));

    const result = await bridge.selectAccount({ accountId: 'acc-1' });

    expect(result).toEqual({ ok: true, value: snapshot });
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]?.url).toBe('/bridge/selectAccount');
    expect(server.calls[0]?.init?.method).toBe('POST');
    expect(server.calls[0]?.init?.headers).toEqual({
      'x-companion-secret': 's3cret',
      'content-type': 'application/json',
    });
    expect(server.calls[0]?.init?.body).toBe('{"accountId":"acc-1"}');
  });

  it('passes a host error through as data', async () => {
    const error = { code: 'not_found', message: 'No account acc-9' };
    const bridge = createWebBridge('s3cret', io(fakeFetch(() => json({ ok: false, error }, 404)).fetch));

    expect(await bridge.selectAccount({ accountId: 'acc-9' })).toEqual({ ok: false, error });
  });

  it('answers unavailable when the server cannot be reached', async () => {
    const bridge = createWebBridge(
      's3cret',
      io(fakeFetch(() => Promise.reject(new TypeError('Failed to fetch'))).fetch),
    );

    const result = await bridge.getSnapshot({});

    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('unavailable');
  });

  it('answers unavailable when the server refuses the secret', async () => {
    const bridge = createWebBridge('wrong', io(fakeFetch(() => new Response('forbidden', { status: 403 })).fetch));

    const result = await bridge.getSnapshot({});

    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('unavailable');
  });

  it('answers internal_error when the value does not match the contract', async () => {
    const bridge = createWebBridge(
      's3cret',
      io(fakeFetch(() => json({ ok: true, value: { accounts: 'none' } })).fetch),
    );

    const result = await bridge.getSnapshot({});

    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('internal_error');
  });

  it('says a secret is from an earlier launch when the server does not know it (401)', async () => {
    const bridge = createWebBridge(
      'yesterdays',
      io(fakeFetch(() => new Response('Missing or wrong secret', { status: 401 })).fetch),
    );

    const result = await bridge.getSnapshot({});

    expect(result).toMatchObject({
      ok: false,
      error: {
        code: 'unavailable',
        apiCode: 'stale_secret',
        message: expect.stringContaining('from an earlier launch'),
      },
    });
  });

  it('tells an address that lost its secret (this browser had one before) from one that never had one', async () => {
    const server = fakeFetch(() => json({ ok: true, value: snapshot }));
    const bookmark = await createWebBridge(null, io(server.fetch), { openedBefore: true }).getSnapshot({});
    const fresh = await createWebBridge(null, io(server.fetch)).getSnapshot({});

    expect(server.calls).toHaveLength(0);
    expect(bookmark).toMatchObject({
      ok: false,
      error: { apiCode: 'address_without_secret', message: expect.stringContaining('a bookmark') },
    });
    expect(fresh).toMatchObject({
      ok: false,
      error: { apiCode: 'no_secret', message: expect.stringContaining('opened without its access secret') },
    });
  });

  it('calls nothing without a secret and says how to open the page', async () => {
    const server = fakeFetch(() => json({ ok: true, value: snapshot }));
    const bridge = createWebBridge(null, io(server.fetch));

    const result = await bridge.getSnapshot({});

    expect(server.calls).toHaveLength(0);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toContain('#secret=');
  });
});

describe('web bridge shim: pushed events', () => {
  it('opens /bridge/events with the secret and delivers parsed snapshot events', () => {
    const bridge = createWebBridge('a b', io(fakeFetch(() => json({ ok: true, value: snapshot })).fetch));
    const received: HostSnapshot[] = [];

    const unsubscribe = bridge.on('snapshot', (payload) => received.push(payload));
    const source = FakeEventSource.last as FakeEventSource;
    source.emit('snapshot', JSON.stringify(snapshot));
    source.emit('snapshot', '{"not":"a snapshot"}');
    source.emit('snapshot', 'not json');

    expect(source.url).toBe('/bridge/events?secret=a%20b');
    expect(received).toEqual([snapshot]);
    unsubscribe();
    expect(source.closed).toBe(true);
  });

  it('asks for the current snapshot once the stream reopens after a drop', async () => {
    const server = fakeFetch(() => json({ ok: true, value: snapshot }));
    const bridge = createWebBridge('s3cret', io(server.fetch));
    const received: HostSnapshot[] = [];
    bridge.on('snapshot', (payload) => received.push(payload));
    const source = FakeEventSource.last as FakeEventSource;

    source.emit('open');
    expect(server.calls).toHaveLength(0);
    source.emit('open');
    await new Promise((resolve) => setTimeout(resolve, 0));

    expect(server.calls.map((call) => call.url)).toEqual(['/bridge/getSnapshot']);
    expect(received).toEqual([snapshot]);
  });
});

describe('web bridge shim: alerts and media', () => {
  const alert: Alert = {
    id: 'threshold:acc-1:free:75:2026-03-07',
    accountId: 'acc-1',
    kind: 'threshold',
    title: '75 % of your free credits used',
    body: '25 free credits left until 00:00 on Sun 8 Mar (America/New_York)',
    at: '2026-03-07T20:00:00.000Z',
  };

  it('passes pushed alert events through, checked against the contract', () => {
    const bridge = createWebBridge('s3cret', io(fakeFetch(() => json({ ok: true, value: snapshot })).fetch));
    const received: Alert[] = [];

    bridge.on('alert', (payload) => received.push(payload));
    const source = FakeEventSource.last as FakeEventSource;
    source.emit('alert', JSON.stringify(alert));
    source.emit('alert', JSON.stringify({ ...alert, kind: 'not-a-kind' }));

    expect(received).toEqual([alert]);
  });

  it('builds same-origin media URLs with the secret as a query parameter', () => {
    const bridge = createWebBridge('a b', io(fakeFetch(() => json({ ok: true, value: snapshot })).fetch));

    expect(bridge.mediaURL('acc/1', 'out 1', 'thumb')).toBe('/media/acc%2F1/out%201/thumb?secret=a%20b');
    expect(bridge.mediaURL('acc-1', 'out-1', 'full')).toBe('/media/acc-1/out-1/full?secret=a%20b');
  });
});

describe('web bridge shim: the secret', () => {
  function fakeStorage(initial: Record<string, string> = {}): Storage {
    const items = new Map(Object.entries(initial));
    return {
      getItem: (key: string) => items.get(key) ?? null,
      setItem: (key: string, value: string) => void items.set(key, value),
    } as Storage;
  }

  it('takes the secret from the hash, remembers it and removes it from the address bar', () => {
    const storage = fakeStorage();
    const replaced: string[] = [];
    const history = {
      state: null,
      replaceState: (_: unknown, __: string, url: string) => void replaced.push(url),
    } as unknown as History;
    const location = { hash: '#secret=abc123', pathname: '/', search: '' } as Location;

    expect(takeSecret(location, history, storage)).toBe('abc123');
    expect(storage.getItem(SECRET_STORAGE_KEY)).toBe('abc123');
    expect(replaced).toEqual(['/']);
  });

  it('uses the remembered secret after a reload without a hash', () => {
    const history = { state: null, replaceState: () => undefined } as unknown as History;
    const location = { hash: '', pathname: '/', search: '' } as Location;

    expect(takeSecret(location, history, fakeStorage({ [SECRET_STORAGE_KEY]: 'abc123' }))).toBe('abc123');
    expect(takeSecret(location, history, fakeStorage())).toBeNull();
  });
});
