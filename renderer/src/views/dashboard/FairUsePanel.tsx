import { useState, type FormEvent } from 'react';
import type { Appeal, Me } from '../../../../shared/api.js';
import type { BridgeError } from '../../../../shared/bridge.js';
import { companion } from '../../bridge/companion.js';
import { formatInstantWithZone } from '../../format.js';

type FairUsePanelProps = { accountId: string; me: Me; now: Date };

const appealHeadings = { open: 'Appeal open.', restored: 'Appeal accepted.', upheld: 'Appeal declined.' } as const;

const appealWords = {
  open: 'Your appeal is being reviewed. You will see the decision here.',
  restored: 'Your appeal was accepted: unlimited access is restored.',
  upheld: 'Your appeal was reviewed and the pause stands.',
} as const;

/**
 * U7 fair use: while unlimited access is paused, the reason, and the one appeal allowed per pause (a form, then its
 * state as the backend reports it). A decided appeal stays visible so the user learns its outcome.
 */
export function FairUsePanel({ accountId, me, now }: FairUsePanelProps) {
  const [message, setMessage] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<BridgeError | null>(null);
  const [sent, setSent] = useState<Appeal | null>(null);
  const fairUse = me.fairUse;
  const paused = me.status === 'unlimited_paused';
  const pausedAt = fairUse?.pausedAt ?? null;
  // The appeal of this pause: one sent after it began (an older one belongs to an earlier pause).
  const reported = fairUse?.appeal ?? null;
  const appealOfThisPause =
    reported !== null && (pausedAt === null || reported.createdAt >= pausedAt) ? reported : null;
  // Once access is restored the backend reports no pause and no appeal: the outcome is remembered here to show it.
  const [appealedAt, setAppealedAt] = useState<string | null>(null);
  const openAppealAt =
    paused && appealOfThisPause?.status === 'open' ? appealOfThisPause.createdAt : (sent?.createdAt ?? null);
  // Remembered during render (React's pattern for state derived from changing props), not in an effect.
  if (openAppealAt !== null && openAppealAt !== appealedAt) setAppealedAt(openAppealAt);
  const restoredAfterAppeal = !paused && appealedAt !== null;
  const appeal = restoredAfterAppeal
    ? { status: 'restored' as const, createdAt: appealedAt }
    : (appealOfThisPause ?? (sent !== null ? { status: sent.status, createdAt: sent.createdAt } : null));
  if (!paused && !restoredAfterAppeal && (reported === null || reported.status === 'open')) return null;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (message.trim() === '') return;
    setSending(true);
    setError(null);
    const result = await companion().appeal({ accountId, message: message.trim() });
    setSending(false);
    if (result.ok) {
      setSent(result.value);
      setMessage('');
    } else setError(result.error);
  }

  return (
    <section className="section" aria-labelledby="fair-use-heading" data-testid="fair-use">
      <h2 id="fair-use-heading">Fair use</h2>
      <div className={paused ? 'card fair-use-card fair-use-card--paused' : 'card fair-use-card'}>
        {paused && (
          <>
            <p className="fair-use-title">
              <strong>Unlimited access is paused</strong>
              {pausedAt !== null && (
                <span className="muted"> since {formatInstantWithZone(pausedAt, me.timeZone, now)}</span>
              )}
            </p>
            <p data-testid="fair-use-reason">
              Reason: {fairUse?.reason ?? 'suspected activity against the fair-use policy'}
            </p>
            <p className="muted">
              Credits still work: requests are charged at the standard rate until a reviewer restores access. Unlimited
              use is for one person by hand; automation, shared logins and reselling are not allowed.
            </p>
          </>
        )}
        {appeal !== null ? (
          <p className={`appeal-state appeal-state--${appeal.status}`} role="status" data-testid="appeal-state">
            <strong>{appealHeadings[appeal.status]}</strong> {appealWords[appeal.status]}
            <span className="muted"> Sent {formatInstantWithZone(appeal.createdAt, me.timeZone, now)}.</span>
          </p>
        ) : (
          paused && (
            <form className="appeal-form" onSubmit={(event) => void submit(event)}>
              <label className="stack-field">
                <span className="field-label">Your appeal (one per pause)</span>
                <textarea
                  className="textarea"
                  data-testid="appeal-message"
                  rows={4}
                  maxLength={4000}
                  required
                  value={message}
                  onChange={(event) => setMessage(event.target.value)}
                  placeholder="Explain how you use unlimited generations, for example: I make every image by hand for my own videos."
                />
              </label>
              {error !== null && (
                <p className="notice notice--error" role="alert" data-testid="appeal-error">
                  Couldn’t send the appeal: {error.message}
                </p>
              )}
              <button
                type="submit"
                className="button button--primary"
                disabled={sending || message.trim() === ''}
                data-testid="appeal-submit"
              >
                {sending ? 'Sending…' : 'Send appeal'}
              </button>
            </form>
          )
        )}
      </div>
    </section>
  );
}
