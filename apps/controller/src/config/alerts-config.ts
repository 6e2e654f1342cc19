/**
 * The `alerts` section of tower.json: where alerts go, per condition.
 *
 * ```json
 * "alerts": {
 *   "webhooks": [{ "url": "https://hooks.example.com/tower", "secret": "16+ characters", "conditions": ["run-completed", "run-failed"] }],
 *   "email": { "smtp": { "host": "mail.example.com", "port": 587, "secure": false, "user": "tower", "pass": "…" },
 *              "from": "tower@example.com", "to": ["floor@example.com"], "conditions": ["stock-low"] },
 *   "screen": { "conditions": ["drive-needs-person"] },
 *   "retry": { "attempts": 5, "backoffMs": 2000 }
 * }
 * ```
 * `conditions` left out: every condition. Validated by the schema, then by
 * {@link resolveAlerts} (a URL that parses, with no credentials in it).
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { ALERT_CONDITIONS } from '../shared/alert-schemas.js';
import type { AlertConditionName } from '../shared/alert-schemas.js';
import { ConfigError } from './config-error.js';

const Strict = { additionalProperties: false } as const;
const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@<>,;"]+@[^\\s@<>,;"]+\\.[^\\s@<>,;"]+$' });
const Condition = Type.Union([
  Type.Literal('drive-needs-person'), Type.Literal('loader-input-empty'), Type.Literal('loader-reject-full'), Type.Literal('drive-quarantined'), Type.Literal('run-completed'), Type.Literal('run-failed'), Type.Literal('agent-silent'), Type.Literal('stock-low'), Type.Literal('label-print-failed'),
]);
const Conditions = Type.Array(Condition, { minItems: 1, maxItems: ALERT_CONDITIONS.length, uniqueItems: true });

export const AlertsConfigSchema = Type.Object({
  webhooks: Type.Optional(Type.Array(Type.Object({
    url: Type.String({ minLength: 8, maxLength: 2048, pattern: '^https?://' }),
    /** The HMAC-SHA256 key the receiver checks `X-Tower-Signature` with. */
    secret: Type.String({ minLength: 16, maxLength: 256 }),
    conditions: Type.Optional(Conditions),
  }, Strict), { maxItems: 20 })),
  email: Type.Optional(Type.Object({
    smtp: Type.Object({
      host: Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:\\[\\]-]+$' }),
      port: Type.Integer({ minimum: 1, maximum: 65535 }),
      /** TLS from the start (port 465); false: STARTTLS when the server offers it. */
      secure: Type.Optional(Type.Boolean()),
      user: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
      pass: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    }, Strict),
    from: Email,
    to: Type.Array(Email, { minItems: 1, maxItems: 50 }),
    conditions: Type.Optional(Conditions),
    /** Attach the run's certificate (PDF) to the email of a run's end (run-completed, run-failed). Default false. */
    attachCertificate: Type.Optional(Type.Boolean()),
  }, Strict)),
  screen: Type.Optional(Type.Object({ conditions: Type.Optional(Conditions) }, Strict)),
  retry: Type.Optional(Type.Object({
    /** Tries of one delivery, the first included. Default 5. */
    attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
    /** Wait before the second try; doubled before each next one (capped at 10 minutes). Default 2000. */
    backoffMs: Type.Optional(Type.Integer({ minimum: 10, maximum: 600_000 })),
  }, Strict)),
}, Strict);

export type AlertsConfigFile = Static<typeof AlertsConfigSchema>;

/** A webhook receiver. */
export interface WebhookSpec {
  readonly url: string;
  readonly secret: string;
  readonly conditions: readonly AlertConditionName[];
}

/** Email by SMTP. */
export interface EmailSpec {
  readonly smtp: { readonly host: string; readonly port: number; readonly secure: boolean; readonly user?: string; readonly pass?: string };
  readonly from: string;
  readonly to: readonly string[];
  readonly conditions: readonly AlertConditionName[];
  /** Attach the run's certificate to the email of a run's end. */
  readonly attachCertificate?: boolean;
}

/** The resolved `alerts` section. */
export interface AlertsConfig {
  readonly webhooks: readonly WebhookSpec[];
  readonly email: EmailSpec | null;
  /** The conditions the screen lists. */
  readonly screen: readonly AlertConditionName[];
  readonly retry: { readonly attempts: number; readonly backoffMs: number };
}

/** Fill in the defaults and check what the schema cannot. Throws `ConfigError` naming the field. */
export function resolveAlerts(file: AlertsConfigFile | undefined): AlertsConfig {
  const all = [...ALERT_CONDITIONS];
  const webhooks = (file?.webhooks ?? []).map((w, i): WebhookSpec => {
    const field = `alerts.webhooks[${i}].url`;
    let url: URL;
    try {
      url = new URL(w.url);
    } catch {
      throw new ConfigError(field, `'${w.url.slice(0, 80)}' is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(field, 'use an http:// or https:// URL');
    if (url.hostname === '') throw new ConfigError(field, 'the URL names no host');
    if (url.username !== '' || url.password !== '') throw new ConfigError(field, 'put no credentials in the URL: the receiver checks the signature (secret)');
    return { url: url.href, secret: w.secret, conditions: w.conditions ?? all };
  });
  let email: EmailSpec | null = null;
  if (file?.email !== undefined) {
    const { smtp } = file.email;
    if ((smtp.user === undefined) !== (smtp.pass === undefined)) {
      throw new ConfigError(smtp.user === undefined ? 'alerts.email.smtp.user' : 'alerts.email.smtp.pass', 'give both user and pass, or neither');
    }
    email = {
      smtp: { host: smtp.host, port: smtp.port, secure: smtp.secure ?? smtp.port === 465, ...(smtp.user === undefined ? {} : { user: smtp.user, pass: smtp.pass }) },
      from: file.email.from,
      to: file.email.to,
      conditions: file.email.conditions ?? all,
      attachCertificate: file.email.attachCertificate ?? false,
    };
  }
  return {
    webhooks,
    email,
    screen: file?.screen?.conditions ?? all,
    retry: { attempts: file?.retry?.attempts ?? 5, backoffMs: file?.retry?.backoffMs ?? 2000 },
  };
}
