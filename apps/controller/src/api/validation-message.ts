/**
 * Turn schema validation errors into one readable sentence naming the field:
 * `copies must be >= 1 (got 0)`, `unknown property "extra"`.
 */

/** The shape of a validation error (Ajv and TypeBox agree on it). */
export interface SchemaError {
  readonly keyword: string;
  readonly instancePath: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

/** Hints for fields whose schema is a union. */
const HINTS: Record<string, string> = {
  verify: "verify must be 'all', 'first-per-drive', 'off' or { \"everyNth\": n } with n an integer 1..1000",
  format: "format must be one of the listed values",
};

/** The field path (`verify.everyNth`, `drives[0]`) of a JSON pointer, with `prefix` for non-body parts. */
export function fieldOf(instancePath: string, prefix = ''): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = prefix;
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

function valueAt(root: unknown, instancePath: string): unknown {
  let v = root;
  for (const p of instancePath.split('/').slice(1)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[p.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return v;
}

function show(v: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(v);
  } catch {
    // A value nested too deep for JSON.stringify (RangeError): name its kind only.
    return Array.isArray(v) ? 'a deeply nested array' : typeof v === 'object' && v !== null ? 'a deeply nested object' : typeof v;
  }
  if (text === undefined) return String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * One message and field for a list of validation errors of `part`
 * (`body`, `querystring`, `params`), given the value validated.
 */
export function describeValidation(errors: readonly SchemaError[], part: string, value: unknown): { field: string; message: string } {
  const where = part === 'body' ? '' : part === 'querystring' ? 'query ' : part === 'params' ? 'path parameter ' : `${part} `;
  const extra = errors.find((e) => e.keyword === 'additionalProperties');
  if (extra !== undefined) {
    const names = extra.params?.additionalProperties;
    const name = Array.isArray(names) ? String(names[0]) : String(names ?? '');
    const field = fieldOf(`${extra.instancePath}/${name}`);
    return { field, message: `unknown ${where}property "${field}": remove it` };
  }
  const required = errors.find((e) => e.keyword === 'required');
  if (required !== undefined) {
    const props = required.params?.requiredProperties ?? required.params?.missingProperty;
    const name = Array.isArray(props) ? String(props[0]) : String(props ?? '');
    const field = fieldOf(`${required.instancePath}/${name}`);
    return { field, message: `${where}${field} is required` };
  }
  // Prefer the deepest error that is not a union bookkeeping error.
  const concrete = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf' && e.keyword !== 'boolean');
  const union = errors.find((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  if (union !== undefined) {
    const field = fieldOf(union.instancePath);
    const deeper = concrete.filter((e) => e.instancePath.length > union.instancePath.length && e.keyword !== 'type');
    const first = deeper[0];
    if (first !== undefined) return phrase(first, where, value);
    const top = field.split(/[.[]/)[0] ?? field;
    const hint = HINTS[top];
    const got = ` (got ${show(valueAt(value, union.instancePath))})`;
    if (hint !== undefined && field === top) return { field, message: `${where}${hint}${got}` };
    return { field, message: `${where}${field || 'value'} is not one of the allowed forms${got}` };
  }
  const first = concrete.sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
  if (first === undefined) return { field: '', message: `invalid ${part}` };
  return phrase(first, where, value);
}

function phrase(e: SchemaError, where: string, value: unknown): { field: string; message: string } {
  const field = fieldOf(e.instancePath);
  const got = valueAt(value, e.instancePath);
  let what = e.message ?? 'is invalid';
  if (e.keyword === 'pattern') what = 'has characters or a form that is not allowed';
  if (e.keyword === 'const' || e.keyword === 'enum') what = 'is not one of the allowed values';
  if (e.keyword === 'minLength' && e.params?.limit === 1) what = 'must not be empty';
  return { field, message: `${where}${field || part0(where)} ${what} (got ${show(got)})` };
}

function part0(where: string): string {
  return where === '' ? 'body' : 'value';
}
