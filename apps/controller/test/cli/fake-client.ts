/** An `ApiClient` whose methods are given per test; any other call fails the test. */
import type { ApiClient } from '../../src/cli/api-client.js';

export function fakeClient(methods: Partial<ApiClient>): ApiClient & { calls: string[] } {
  const calls: string[] = [];
  return new Proxy(methods as ApiClient & { calls: string[] }, {
    get(target, prop) {
      if (prop === 'calls') return calls;
      if (prop === 'then' || typeof prop === 'symbol') return undefined;
      const method = (target as unknown as Record<string, unknown>)[prop];
      return (...args: unknown[]) => {
        calls.push(prop);
        if (typeof method !== 'function') throw new Error(`unexpected client call ${prop}`);
        return (method as (...a: unknown[]) => unknown)(...args);
      };
    },
  });
}
