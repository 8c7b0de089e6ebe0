// A modal confirmation on the native <dialog>: the browser traps focus inside and sends Escape
// as `cancel`; the form's submit button makes Enter confirm. Inputs passed as children are
// submitted with it and handed to onConfirm as FormData.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { errorText } from './context.ts';

export interface ConfirmDialogProps {
  readonly title: string;
  readonly confirmLabel: string;
  readonly danger?: boolean;
  readonly children?: ComponentChildren;
  /** Resolves to close the dialog; rejects to show the error and stay open. */
  readonly onConfirm: (form: FormData) => Promise<void>;
  readonly onClose: () => void;
}

export function ConfirmDialog(props: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return undefined;
    const opener = document.activeElement;
    if (!dialog.open) dialog.showModal();
    return () => {
      if (dialog.open) dialog.close();
      // Back to the control that opened the dialog, so keyboard users keep their place. A live
      // update may have re-rendered it while the dialog was open: then its successor, the control
      // with the same accessible name.
      if (!(opener instanceof HTMLElement)) return;
      const label = opener.getAttribute('aria-label');
      const target = opener.isConnected || label === null
        ? opener
        : document.querySelector<HTMLElement>(`[aria-label="${CSS.escape(label)}"]`);
      if (target?.isConnected === true) target.focus();
    };
  }, []);

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    if (busy) return;
    const form = event.currentTarget as HTMLFormElement;
    setBusy(true);
    setError(undefined);
    props.onConfirm(new FormData(form)).then(() => {
      setBusy(false);
      props.onClose();
    }, (e: unknown) => {
      setBusy(false);
      setError(errorText(e));
    });
  };

  const onCancel = (event: Event) => {
    event.preventDefault();
    if (!busy) props.onClose();
  };

  return html`
    <dialog ref=${ref} class="dialog" aria-labelledby="dialog-title" onCancel=${onCancel}>
      <form method="dialog" onSubmit=${onSubmit}>
        <h2 id="dialog-title">${props.title}</h2>
        <div class="dialog-body">${props.children}</div>
        ${error === undefined ? null : html`<p class="error" role="alert">${error}</p>`}
        <div class="dialog-actions">
          <button type="button" onClick=${() => { if (!busy) props.onClose(); }}>Cancel</button>
          <button type="submit" class=${props.danger === true ? 'danger' : 'primary'} disabled=${busy}>
            ${busy ? 'Working…' : props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>`;
}
