'use client';
/**
 * "Pair this screen": what a wall screen shows while it holds no token of
 * its own. An operator runs `tower screens pair --name <screen>` and the
 * code it prints is typed here, once; the screen keeps the token it gets in
 * its storage. No token ever goes in the screen's URL.
 */
import Link from 'next/link';
import type { FormEvent, ReactNode } from 'react';
import { useState } from 'react';
import { describeError } from '../lib/api';
import { useAuth } from '../lib/auth';
import { ErrorBox } from './ErrorBox';

export function PairScreen(): ReactNode {
  const { pairScreen, status } = useAuth();
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await pairScreen(code);
    } catch (err) {
      setError(`Pairing failed: ${describeError(err)}`);
      setBusy(false);
    }
  };

  return (
    <main id="main" className="signin" data-testid="pair-screen">
      <h1>Pair this screen</h1>
      {status === 'invalid' ? (
        <p role="status">This screen&apos;s token is no longer accepted (an operator may have revoked it). Pair it again.</p>
      ) : null}
      <p>
        An operator runs <code>tower screens pair --name &lt;screen&gt;</code> and reads you the code it prints. It works once, for
        10 minutes. This screen then keeps a token of its own (read-only) in this browser.
      </p>
      <form onSubmit={(e) => void submit(e)} className="form">
        <label htmlFor="pairing-code">Pairing code</label>
        <input
          id="pairing-code"
          name="pairing-code"
          value={code}
          onChange={(e) => setCode(e.target.value.toUpperCase())}
          placeholder="ABCD-EFGH"
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          maxLength={9}
          required
          autoFocus
        />
        <button type="submit" className="btn btn-primary" disabled={busy || code.trim().length < 8}>
          {busy ? 'Pairing…' : 'Pair this screen'}
        </button>
      </form>
      <ErrorBox error={error} />
      <p className="muted">
        Not a wall screen? <Link href="/signin/?next=%2Fshopfloor%2F">Sign in with a token</Link>.
      </p>
    </main>
  );
}
