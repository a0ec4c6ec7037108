// One description of a tool's arguments gives both the JSON schema the model sees (strict
// mode: every property listed in `required`, optional ones nullable, no extra properties) and
// the validator that checks what the model actually sent. Errors are sentences the model can
// act on: which field, what was expected, what came.
import { ToolError } from './types.ts';

export interface Field<T> {
  readonly schema: Record<string, unknown>;
  readonly optional: boolean;
  /** Returns the checked value or a problem description ("must be an integer, got \"10\""). */
  check(value: unknown): { ok: true; value: T } | { ok: false; problem: string };
}

type Infer<F> = F extends Field<infer T> ? T : never;
export type ArgsOf<S extends Record<string, Field<unknown>>> = { [K in keyof S]: Infer<S[K]> };

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

export function string(
  description: string,
  opts: { enum?: readonly string[]; minLength?: number } = {},
): Field<string> {
  const schema: Record<string, unknown> = { type: 'string', description };
  if (opts.enum) schema.enum = [...opts.enum];
  return {
    schema,
    optional: false,
    check(value) {
      if (typeof value !== 'string') return { ok: false, problem: `must be a string, got ${describeValue(value)}` };
      if (opts.enum && !opts.enum.includes(value))
        return {
          ok: false,
          problem: `must be one of ${opts.enum.map((e) => JSON.stringify(e)).join(', ')}, got ${JSON.stringify(value)}`,
        };
      if (opts.minLength !== undefined && value.length < opts.minLength)
        return {
          ok: false,
          problem: value.length === 0 ? 'must not be empty' : `must be at least ${opts.minLength} characters`,
        };
      return { ok: true, value };
    },
  };
}

export function integer(description: string, opts: { minimum?: number; maximum?: number } = {}): Field<number> {
  const schema: Record<string, unknown> = { type: 'integer', description };
  if (opts.minimum !== undefined) schema.minimum = opts.minimum;
  if (opts.maximum !== undefined) schema.maximum = opts.maximum;
  return {
    schema,
    optional: false,
    check(value) {
      if (typeof value !== 'number' || !Number.isInteger(value))
        return { ok: false, problem: `must be an integer, got ${describeValue(value)}` };
      if (opts.minimum !== undefined && value < opts.minimum)
        return { ok: false, problem: `must be at least ${opts.minimum}, got ${value}` };
      if (opts.maximum !== undefined && value > opts.maximum)
        return { ok: false, problem: `must be at most ${opts.maximum}, got ${value}` };
      return { ok: true, value };
    },
  };
}

export function boolean(description: string): Field<boolean> {
  return {
    schema: { type: 'boolean', description },
    optional: false,
    check(value) {
      return typeof value === 'boolean'
        ? { ok: true, value }
        : { ok: false, problem: `must be true or false, got ${describeValue(value)}` };
    },
  };
}

export function array<T>(item: Field<T>, description: string, opts: { maxItems?: number } = {}): Field<T[]> {
  const schema: Record<string, unknown> = { type: 'array', description, items: item.schema };
  return {
    schema,
    optional: false,
    check(value) {
      if (!Array.isArray(value)) return { ok: false, problem: `must be an array, got ${describeValue(value)}` };
      if (opts.maxItems !== undefined && value.length > opts.maxItems)
        return { ok: false, problem: `must have at most ${opts.maxItems} items, got ${value.length}` };
      const out: T[] = [];
      for (let i = 0; i < value.length; i++) {
        const r = item.check(value[i]);
        if (!r.ok) return { ok: false, problem: `item ${i} ${r.problem}` };
        out.push(r.value);
      }
      return { ok: true, value: out };
    },
  };
}

/** May be omitted or null: the schema says `type: [..., "null"]` so strict mode can express it. */
export function optional<T>(field: Field<T>): Field<T | undefined> {
  const type = field.schema.type;
  const schema: Record<string, unknown> = {
    ...field.schema,
    type: Array.isArray(type) ? [...type, 'null'] : [type, 'null'],
  };
  if (Array.isArray(field.schema.enum)) schema.enum = [...field.schema.enum, null];
  return {
    schema,
    optional: true,
    check(value) {
      if (value === undefined || value === null) return { ok: true, value: undefined };
      return field.check(value);
    },
  };
}

export interface ObjectSchema<S extends Record<string, Field<unknown>>> {
  /** The JSON schema for the tool definition's `parameters`. */
  readonly jsonSchema: Record<string, unknown>;
  /** Parses the model's raw JSON arguments; throws ToolError('invalid_arguments'). */
  parse(raw: string): ArgsOf<S>;
  /** Validates an already-parsed value. */
  validate(value: unknown): ArgsOf<S>;
}

export function object<S extends Record<string, Field<unknown>>>(toolName: string, shape: S): ObjectSchema<S> {
  const names = Object.keys(shape);
  const jsonSchema = {
    type: 'object',
    properties: Object.fromEntries(names.map((n) => [n, shape[n]!.schema])),
    required: names,
    additionalProperties: false,
  };
  const expected = () => names.map((n) => `${n}${shape[n]!.optional ? ' (optional)' : ''}`).join(', ');
  const fail = (message: string) =>
    new ToolError(
      'invalid_arguments',
      `Invalid arguments for ${toolName}: ${message}. Expected a JSON object with: ${expected()}.`,
    );

  const validate = (value: unknown): ArgsOf<S> => {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw fail(`the arguments must be a JSON object, got ${describeValue(value)}`);
    const record = value as Record<string, unknown>;
    const extra = Object.keys(record).filter((k) => !Object.hasOwn(shape, k));
    if (extra.length)
      throw fail(`unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => `'${k}'`).join(', ')}`);
    const out: Record<string, unknown> = {};
    for (const name of names) {
      const field = shape[name]!;
      if (!field.optional && (record[name] === undefined || record[name] === null))
        throw fail(`missing required field '${name}'`);
      const r = field.check(record[name]);
      if (!r.ok) throw fail(`'${name}' ${r.problem}`);
      if (r.value !== undefined) out[name] = r.value;
    }
    return out as ArgsOf<S>;
  };

  return {
    jsonSchema,
    validate,
    parse(raw: string): ArgsOf<S> {
      let value: unknown;
      const text = raw.trim() === '' ? '{}' : raw;
      try {
        value = JSON.parse(text);
      } catch (e) {
        const message = (e as Error).message;
        // Cut off (the output limit ended the call mid-JSON): said as such, so the model does not
        // send the same long call again.
        if (isCutOff(text, message)) {
          throw fail(
            `the arguments were cut off after ${text.length} characters (they end with ${JSON.stringify(text.slice(-40))}), most likely by the output limit, so nothing was run. Call ${toolName} again with complete arguments; if they are long (a large patch or file), do the work in several smaller calls`,
          );
        }
        throw fail(`the arguments are not valid JSON (${message})`);
      }
      return validate(value);
    },
  };
}

/** A JSON parse error at the very end of the text: the text was cut off, not malformed. */
export function isCutOff(text: string, parseError: string): boolean {
  if (/end of JSON input|Unterminated string/i.test(parseError)) return true;
  const at = /at position (\d+)/.exec(parseError);
  return at !== null && Number(at[1]) >= text.trimEnd().length;
}
