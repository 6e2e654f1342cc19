'use client';
/** Fetch once (and again when `deps` change, e.g. after a reconnect); errors in words. */
import { useCallback, useEffect, useState } from 'react';
import { apiRequest, describeError } from './api';
import type { RequestOptions } from './api';
import { useAuth } from './auth';

export interface ApiResource<T> {
  readonly data: T | null;
  readonly error: string | null;
  readonly loading: boolean;
  reload(): void;
}

export function useApi<T>(path: string | null, opts: RequestOptions = {}, deps: readonly unknown[] = []): ApiResource<T> {
  const { token } = useAuth();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [n, setN] = useState(0);
  const reload = useCallback(() => setN((x) => x + 1), []);
  const key = JSON.stringify(opts.query ?? {});

  useEffect(() => {
    if (!path || !token) return;
    const ctrl = new AbortController();
    setLoading(true);
    apiRequest<T>(token, path, { ...opts, signal: ctrl.signal })
      .then((d) => {
        setData(d);
        setError(null);
      })
      .catch((err: unknown) => {
        if (!ctrl.signal.aborted) setError(describeError(err));
      })
      .finally(() => {
        if (!ctrl.signal.aborted) setLoading(false);
      });
    return () => ctrl.abort();
    // opts is compared by its query's JSON; deps are the caller's.
  }, [path, token, key, n, ...deps]);

  return { data, error, loading, reload };
}
