'use client';
/**
 * The token (localStorage) and the role the controller gives it
 * (`GET /api/whoami`). Controls for operators are hidden unless the role is
 * `operator`.
 *
 * A wall screen pairs: it trades a pairing code an operator made
 * (`tower screens pair`) for a screen token of its own
 * (`POST /api/screens/claim`, once), kept in localStorage, never in a URL.
 * For compatibility a page opened with `?token=` still takes it: the token
 * goes into storage and out of the address bar (history.replaceState) before
 * anything else happens.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { ApiCallError, apiRequest, describeError } from './api';
import type { Role, ScreenClaim, WhoAmI } from './contract';

const TOKEN_KEY = 'tower.token';

export type AuthStatus = 'loading' | 'signed-out' | 'checking' | 'ok' | 'invalid' | 'unreachable';

export interface AuthValue {
  readonly token: string | null;
  readonly status: AuthStatus;
  readonly who: WhoAmI | null;
  readonly role: Role | null;
  readonly isOperator: boolean;
  readonly error: string | null;
  signIn(token: string): Promise<WhoAmI>;
  /** Trade a pairing code for this screen's own token, and keep it (wall screens). */
  pairScreen(code: string): Promise<ScreenClaim>;
  /** Ask the controller again who the token belongs to (the feed refused it: revoked?). */
  recheck(): void;
  signOut(): void;
}

const AuthCtx = createContext<AuthValue | null>(null);

function readStoredToken(): string | null {
  try {
    return window.localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function storeToken(token: string | null): void {
  try {
    if (token) window.localStorage.setItem(TOKEN_KEY, token);
    else window.localStorage.removeItem(TOKEN_KEY);
  } catch {
    // private mode: the token lives for this page only
  }
}

/** Take `?token=` from the address bar into storage, and out of the address bar. */
function takeTokenFromUrl(): string | null {
  const url = new URL(window.location.href);
  const t = url.searchParams.get('token');
  if (!t) return null;
  url.searchParams.delete('token');
  window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
  return t.trim();
}

export function AuthProvider({ children }: { readonly children: ReactNode }): ReactNode {
  const [token, setToken] = useState<string | null>(null);
  const [status, setStatus] = useState<AuthStatus>('loading');
  const [who, setWho] = useState<WhoAmI | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const fromUrl = takeTokenFromUrl();
    if (fromUrl) storeToken(fromUrl);
    const t = fromUrl ?? readStoredToken();
    setToken(t);
    setStatus(t ? 'checking' : 'signed-out');
  }, []);

  // Ask who the token belongs to; if the controller is unreachable, try again
  // with a growing delay (the live feed keeps running meanwhile).
  useEffect(() => {
    if (!token) return;
    const ctrl = new AbortController();
    let retry: number | undefined;
    apiRequest<WhoAmI>(token, '/whoami', { signal: ctrl.signal })
      .then((w) => {
        setWho(w);
        setStatus('ok');
        setError(null);
      })
      .catch((err: unknown) => {
        if (ctrl.signal.aborted) return;
        if (err instanceof ApiCallError && err.status === 401) {
          setStatus('invalid');
          setError('The controller does not know this token. Sign in again.');
          return;
        }
        setStatus((s) => (s === 'ok' ? s : 'unreachable'));
        setError(describeError(err));
        retry = window.setTimeout(() => setAttempt((a) => a + 1), Math.min(30_000, 2000 * 2 ** Math.min(attempt, 4)));
      });
    return () => {
      ctrl.abort();
      if (retry !== undefined) window.clearTimeout(retry);
    };
  }, [token, attempt]);

  const signIn = useCallback(async (t: string): Promise<WhoAmI> => {
    const clean = t.trim();
    const w = await apiRequest<WhoAmI>(clean, '/whoami');
    storeToken(clean);
    setToken(clean);
    setWho(w);
    setStatus('ok');
    setError(null);
    return w;
  }, []);

  const pairScreen = useCallback(async (code: string): Promise<ScreenClaim> => {
    const claim = await apiRequest<ScreenClaim>(null, '/screens/claim', { method: 'POST', body: { code: code.trim() } });
    storeToken(claim.token);
    setToken(claim.token);
    setWho({ name: `screen:${claim.name}`, role: claim.role });
    setStatus('ok');
    setError(null);
    return claim;
  }, []);

  const recheck = useCallback((): void => setAttempt((a) => a + 1), []);

  const signOut = useCallback((): void => {
    storeToken(null);
    setToken(null);
    setWho(null);
    setStatus('signed-out');
  }, []);

  const value = useMemo<AuthValue>(() => ({
    token,
    status,
    who,
    role: who?.role ?? null,
    isOperator: who?.role === 'operator',
    error,
    signIn,
    pairScreen,
    recheck,
    signOut,
  }), [token, status, who, error, signIn, pairScreen, recheck, signOut]);

  return <AuthCtx.Provider value={value}>{children}</AuthCtx.Provider>;
}

export function useAuth(): AuthValue {
  const v = useContext(AuthCtx);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}
