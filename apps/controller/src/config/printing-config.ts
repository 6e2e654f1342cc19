/**
 * The `printing` section of tower.json: the CUPS queue disc labels go to.
 *
 * ```json
 * "printing": { "server": "printhost:631", "queue": "disc-labels", "rejectLabels": true,
 *               "retry": { "attempts": 3, "backoffMs": 2000 }, "timeoutMs": 30000 }
 * ```
 * `server`: a CUPS server as `lp -h` takes it (`host`, `host:port` or a
 * socket path); left out: lp's own default. Without this section no run
 * may ask for labels (`printLabels` is refused 422).
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';

const Strict = { additionalProperties: false } as const;

export const PrintingConfigSchema = Type.Object({
  server: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, pattern: '^[^\\s]+$' })),
  /** A CUPS queue name: letters, digits, `_`, `-`, `.` (as lpadmin allows, less its rarer characters). */
  queue: Type.String({ minLength: 1, maxLength: 127, pattern: '^[A-Za-z0-9_.-]+$' }),
  /** Print a REJECT label for each failed disc. Default false. */
  rejectLabels: Type.Optional(Type.Boolean()),
  retry: Type.Optional(Type.Object({
    /** Tries of one print, the first included. Default 3. */
    attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
    /** Wait before the second try; doubled before each next one. Default 2000. */
    backoffMs: Type.Optional(Type.Integer({ minimum: 10, maximum: 600_000 })),
  }, Strict)),
  /** Longest wait for rsvg-convert or lp, ms. Default 30000. */
  timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
}, Strict);

/** The resolved `printing` section. */
export interface PrintingConfig {
  readonly server: string | null;
  readonly queue: string;
  readonly rejectLabels: boolean;
  readonly retry: { readonly attempts: number; readonly backoffMs: number };
  readonly timeoutMs: number;
}

/** Fill in the defaults; null when the section is absent (no printing). */
export function resolvePrinting(file: Static<typeof PrintingConfigSchema> | undefined): PrintingConfig | null {
  if (file === undefined) return null;
  return {
    server: file.server ?? null,
    queue: file.queue,
    rejectLabels: file.rejectLabels ?? false,
    retry: { attempts: file.retry?.attempts ?? 3, backoffMs: file.retry?.backoffMs ?? 2000 },
    timeoutMs: file.timeoutMs ?? 30_000,
  };
}
