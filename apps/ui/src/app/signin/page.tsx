'use client';
import { useRouter } from 'next/navigation';
import type { FormEvent, ReactNode } from 'react';
import { useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { describeError } from '../../lib/api';
import { useAuth } from '../../lib/auth';

function safeNext(): string {
  const next = new URLSearchParams(window.location.search).get('next');
  // Only paths on this site.
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export default function SignInPage(): ReactNode {
  const { signIn } = useAuth();
  const router = useRouter();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(token);
      router.replace(safeNext());
    } catch (err) {
      setError(`Sign-in failed: ${describeError(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="signin">
      <h1>Tower — sign in</h1>
      <p>Paste the token <code>tower start</code> printed (or one from the configuration). An operator token can run the tower; a viewer token only watches.</p>
      <form onSubmit={(e) => void submit(e)} className="form">
        <label htmlFor="token">Token</label>
        <input id="token" name="token" type="password" autoComplete="current-password" value={token} onChange={(e) => setToken(e.target.value)} required autoFocus />
        <button type="submit" className="btn btn-primary" disabled={busy || token.trim() === ''}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
      <ErrorBox error={error} />
      <p className="muted">For a wall screen, open <code>/shopfloor/</code> on it and enter the pairing code that <code>tower screens pair --name &lt;screen&gt;</code> prints: the screen gets a token of its own, never one in its URL.</p>
    </div>
  );
}
