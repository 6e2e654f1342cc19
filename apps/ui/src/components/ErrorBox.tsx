/** An API error in words, announced to screen readers. */
import type { ReactNode } from 'react';

export function ErrorBox({ error, onDismiss }: { readonly error: string | null; readonly onDismiss?: () => void }): ReactNode {
  if (!error) return null;
  return (
    <div className="error-box" role="alert">
      <span>{error}</span>
      {onDismiss ? (
        <button type="button" className="btn btn-small" onClick={onDismiss}>
          Dismiss
        </button>
      ) : null}
    </div>
  );
}
