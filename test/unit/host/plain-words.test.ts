/**
 * Failures to reach a backend in plain words: the main message names the backend and what is wrong; the technical
 * cause (an error code, an address) is kept only as the detail.
 */
import { describe, expect, it } from 'vitest';
import { backendPlace, embeddedRestartText, plainFailure } from '../../../electron/host/display-text.js';

describe('plainFailure', () => {
  it('turns a refused connection into "isn\'t answering", keeping the code as the detail', () => {
    const failure = plainFailure(
      'Cannot reach 127.0.0.1:40287: connect ECONNREFUSED 127.0.0.1:40287',
      'the built-in backend',
    );
    expect(failure.text).toBe("Can't reach the built-in backend: it isn't answering.");
    expect(failure.detail).toContain('ECONNREFUSED');
  });

  it.each([
    [
      'event stream broke: cannot connect: connect ECONNREFUSED 10.0.0.2:443',
      "Can't reach the backend at example.com: it isn't answering.",
    ],
    [
      'Cannot reach example.com: getaddrinfo ENOTFOUND example.com',
      "Can't find the backend at example.com: check its address and this computer's network.",
    ],
    [
      'Cannot reach example.com: timeout of 10000ms exceeded',
      'The backend at example.com is taking too long to answer.',
    ],
    ['the event stream went silent', 'The backend at example.com stopped sending updates.'],
    ['event stream broke: socket hang up', 'The connection to the backend at example.com was cut.'],
    [
      'event stream refused with HTTP 401',
      "The backend at example.com no longer accepts this account's token: remove the account and sign in again.",
    ],
    ['event stream refused with HTTP 503', 'The backend at example.com had a problem answering.'],
  ])('%s', (message, words) => {
    const failure = plainFailure(message, backendPlace('remote', 'example.com'));
    expect(failure.text).toBe(words);
    expect(failure.text).not.toMatch(/E[A-Z]{4,}|HTTP \d/);
    expect(failure.detail).toBe(message);
  });

  it("leaves a backend's own words alone", () => {
    expect(plainFailure('Not enough credits: this needs 6 and you have 2', 'the built-in backend')).toEqual({
      text: 'Not enough credits: this needs 6 and you have 2',
      detail: null,
    });
  });

  it('says which restart attempt is running', () => {
    expect(embeddedRestartText(2)).toBe('The built-in backend stopped; restarting it (attempt 2)…');
  });
});
