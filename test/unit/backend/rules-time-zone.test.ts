/**
 * PATCH /v1/me: a creator changes their account's time zone (A1). The new zone's midnights apply from now on, the day in
 * progress keeps its free credits, and a change never grants an extra free reset. Over real HTTP with the test clock.
 */
import { describe, expect, it } from 'vitest';
import { catchApiError } from '../../support/api-error.js';
import { engines, suiteBackend } from '../../support/engines.js';

describe.each(engines)('changing the time zone on %s (clock at 2026-03-07T20:00Z)', (engine) => {
  const suite = suiteBackend(engine, { testClock: '2026-03-07T20:00:00.000Z' });

  it('answers the account in its new zone, and the free credits reset at the new zone’s next midnight', async () => {
    const { client } = await suite.t.createAccount('Ana', 'America/New_York');
    expect((await client.balance()).credits.free.resetsAt).toBe('2026-03-08T05:00:00.000Z');

    const me = await client.updateMe({ timeZone: 'Europe/London' });
    expect(me.timeZone).toBe('Europe/London');
    expect((await client.me()).timeZone).toBe('Europe/London');
    const balance = await client.balance();
    expect(balance.credits.free.resetsAt).toBe('2026-03-08T00:00:00.000Z');
    expect(balance.fast.resetsAt).toBe('2026-03-08T00:00:00.000Z');
  });

  it('a zone whose midnight has already passed since the last reset does not reset the free credits again', async () => {
    const { client } = await suite.t.createAccount('Ben', 'America/New_York');
    await client.createGeneration({
      tool: 'text-to-image',
      modelId: 'vivid-image',
      prompt: 'a red kite',
      settings: { outputs: 1 },
    });
    const before = (await client.balance()).credits.free.amount;
    expect(before).toBeLessThan(100);

    // 20:00Z is already 05:00 on 8 March in Tokyo: its midnight (15:00Z) came after New York's (05:00Z).
    await client.updateMe({ timeZone: 'Asia/Tokyo' });
    const balance = await client.balance();
    expect(balance.credits.free.amount).toBe(before);
    expect(balance.credits.free.resetsAt).toBe('2026-03-08T15:00:00.000Z');
  });

  it('refuses a name that is not an IANA time zone with 400 invalid_request, and keeps the old zone', async () => {
    const { client } = await suite.t.createAccount('Cleo', 'America/New_York');
    for (const timeZone of ['Mars/Olympus_Mons', 'UTC+3', 'New York']) {
      const error = await catchApiError(client.updateMe({ timeZone }));
      expect([error.status, error.code]).toEqual([400, 'invalid_request']);
    }
    const unknownField = await catchApiError(client.updateMe({ timeZone: 'Europe/Paris', name: 'Other' } as never));
    expect([unknownField.status, unknownField.code]).toEqual([400, 'invalid_request']);
    expect((await client.me()).timeZone).toBe('America/New_York');
  });
});
