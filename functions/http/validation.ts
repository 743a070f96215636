import * as v from 'valibot';
import { ValidationError } from '../tasks/errors.ts';

/**
 * A JSON object with exactly these fields; any other key, "" and "__proto__" included,
 * is refused and never copied (the output holds only the declared fields).
 * Schemas here carry their messages as predicates ("must be …") that `parseOrThrow`
 * prefixes with the field's path, so every message names the field it is about.
 */
export function jsonObject<const Entries extends v.ObjectEntries>(entries: Entries) {
  const allowed = Object.keys(entries).join(', ');
  const schema = v.strictObject(entries, (issue) =>
    issue.expected === 'never' ? `allowed: ${allowed}` : 'must be a JSON object',
  );
  // valibot's object schemas take any non-null `typeof "object"`, arrays too; in JSON an array is no object.
  const run = schema['~run'];
  Object.assign(schema, {
    '~run': (dataset: v.UnknownDataset, config: v.Config<v.BaseIssue<unknown>>) =>
      run.call(schema, Array.isArray(dataset.value) ? { value: null } : dataset, config),
  });
  return schema;
}

export interface ParseOptions {
  /** Where the value came from: it decides the wording of the message. */
  place: 'body' | 'query';
  /** The path of the value inside the request, e.g. `['input']`. */
  at?: string[];
  /** The error code by top-level field; any other problem is `invalid_request`. */
  codes?: Record<string, string>;
}

/** The schema's output, or a ValidationError naming the first problem and its field. */
export function parseOrThrow<Schema extends v.GenericSchema>(
  schema: Schema,
  value: unknown,
  { place, at = [], codes = {} }: ParseOptions,
): v.InferOutput<Schema> {
  const result = v.safeParse(schema, value, { abortEarly: true });
  if (result.success) return result.output;
  const [issue] = result.issues;
  const path = [...at, ...(issue.path ?? []).map((item) => String(item.key))];
  const code =
    (path[0] !== undefined && Object.hasOwn(codes, path[0]) && codes[path[0]]) || undefined;
  throw new ValidationError(describe(issue, path, place), code);
}

function describe(issue: v.BaseIssue<unknown>, path: string[], place: ParseOptions['place']) {
  const noun = place === 'query' ? 'query parameter' : 'field';
  const name = path.join('.');
  if (issue.type === 'strict_object' && issue.expected === 'never') {
    return `Unknown ${noun} "${name}"; ${issue.message}`;
  }
  if (path.length === 0) return `Request body ${issue.message}`;
  return `${place === 'query' ? 'Query parameter' : 'Field'} "${name}" ${issue.message}`;
}
