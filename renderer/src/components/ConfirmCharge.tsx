import { useEffect, useId, useRef, type ReactNode } from 'react';

type ConfirmChargeProps = {
  /** Whether the dialog is shown; the caller owns this (it opens on the action's click and closes on the answer). */
  open: boolean;
  title: string;
  /** What it costs and what it draws or grants, in words; shown while the price is being worked out too. */
  children: ReactNode;
  /** The confirm button's words, naming the action and its price ("Re-run for 6 credits"); null when it cannot run. */
  confirmLabel: string | null;
  /** The other button's words: "Cancel" unless the moment asks for other ones ("Close" once it is done). */
  cancelLabel?: string;
  /** The action is on its way: both buttons wait for the answer. */
  busy: boolean;
  /** The confirm button's words while the action is on its way ("Starting the re-run…"). */
  busyLabel?: string;
  /** The last attempt's failure, in plain words. */
  error: string | null;
  onConfirm: () => void;
  onCancel: () => void;
  testId?: string;
};

/**
 * The one confirmation before anything charges or buys: a modal <dialog> that shows the price and what it draws, and
 * asks once. Focus goes to the confirm button (or Cancel when there is nothing to confirm) and back where it was on
 * closing; Esc and Cancel run nothing.
 */
export function ConfirmCharge({
  open,
  title,
  children,
  confirmLabel,
  cancelLabel = 'Cancel',
  busy,
  busyLabel = 'Working…',
  error,
  onConfirm,
  onCancel,
  testId = 'confirm-charge',
}: ConfirmChargeProps) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef<HTMLElement | null>(null);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog === null) return;
    if (open && !dialog.open) {
      returnFocus.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      dialog.showModal();
    } else if (!open && dialog.open) {
      dialog.close();
      const target = returnFocus.current;
      returnFocus.current = null;
      if (target?.isConnected) target.focus();
    }
  }, [open]);

  // The price arrives after opening: focus moves to the confirm button once there is one to press.
  const canConfirm = confirmLabel !== null;
  useEffect(() => {
    if (!open) return;
    (canConfirm ? confirmRef.current : cancelRef.current)?.focus();
  }, [open, canConfirm]);

  return (
    <dialog
      ref={dialogRef}
      className="dialog confirm-charge"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      data-testid={testId}
      // A dialog inside another (the history detail): its own close and Esc must not close the outer one.
      onCancel={(event) => {
        event.preventDefault();
        event.stopPropagation();
        if (!busy) onCancel();
      }}
      onClose={(event) => event.stopPropagation()}
    >
      {open && (
        <>
          <h2 id={titleId}>{title}</h2>
          <div id={bodyId} className="confirm-charge-body" aria-live="polite">
            {children}
          </div>
          {error !== null && (
            <p className="notice notice--error" role="alert" data-testid="confirm-error">
              {error}
            </p>
          )}
          <div className="dialog-actions">
            <button
              ref={cancelRef}
              type="button"
              className="button"
              disabled={busy}
              onClick={onCancel}
              data-testid="confirm-cancel"
            >
              {cancelLabel}
            </button>
            {canConfirm && (
              <button
                ref={confirmRef}
                type="button"
                className="button button--primary"
                disabled={busy}
                onClick={onConfirm}
                data-testid="confirm-ok"
              >
                {busy ? busyLabel : confirmLabel}
              </button>
            )}
          </div>
        </>
      )}
    </dialog>
  );
}
