import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';

// ajv-formats is CommonJS: its default export is the module object under NodeNext.
const addFormats = formats as unknown as typeof formats.default;

const DOCUMENT_ID = 'openapi.json';

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

// biome-ignore lint/suspicious/noExplicitAny: a parsed JSON document
type Json = any;

/** The templated path of the document that `path` (without its query) is an instance of. */
function templateOf(document: Json, path: string): string | undefined {
  const have = path.split('/');
  const variables = (template: string) => template.split('{').length - 1;
  // As API Gateway routes: a template without variables before one with them.
  const templates = Object.keys(document.paths).sort((a, b) => variables(a) - variables(b));
  return templates.find((template) => {
    const want = template.split('/');
    return (
      want.length === have.length &&
      want.every((segment, i) => /^\{.+\}$/.test(segment) || segment === have[i])
    );
  });
}

const pointer = (...parts: string[]) =>
  parts.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/**
 * Checks answers against the OpenAPI document: the status must be one the operation
 * declares, a JSON body must match its schema, and its declared headers must be well formed.
 * Paths the document does not describe (the dashboard's files, unknown paths) pass unchecked.
 */
export function responseValidator(file = resolve(import.meta.dirname, '../../web/openapi.json')) {
  const document = JSON.parse(readFileSync(file, 'utf8'));
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(document, DOCUMENT_ID);
  return function validate(method: string, url: string, answer: Answer): void {
    const path = new URL(url, 'http://localhost').pathname;
    const template = templateOf(document, path);
    if (!template) return;
    const operation = document.paths[template][method.toLowerCase()];
    if (!operation) {
      if (answer.status !== 405) throw new Error(`${method} ${path}: ${answer.status}, not 405`);
      return;
    }
    const response = operation.responses[String(answer.status)];
    if (!response) {
      throw new Error(
        `${method} ${template} answered ${answer.status}, which the document does not declare`,
      );
    }
    const base = `${DOCUMENT_ID}#/${pointer('paths', template, method.toLowerCase(), 'responses', String(answer.status))}`;
    if (response.content?.['application/json']) {
      const check = ajv.getSchema(`${base}/content/application~1json/schema`);
      if (!check?.(answer.body)) {
        throw new Error(
          `${method} ${template} ${answer.status}: body does not match the document: ${ajv.errorsText(check?.errors)}\n${JSON.stringify(answer.body)}`,
        );
      }
    }
    for (const name of Object.keys(response.headers ?? {})) {
      const value = answer.headers.get(name);
      if (value === null) continue;
      const declared =
        response.headers[name].$ref ??
        `#/${pointer('paths', template, method.toLowerCase(), 'responses', String(answer.status), 'headers', name)}`;
      const check = ajv.getSchema(`${DOCUMENT_ID}${declared}/schema`);
      if (!check?.(value)) {
        throw new Error(
          `${method} ${template} ${answer.status}: header ${name}: ${value} does not match the document`,
        );
      }
    }
  };
}
