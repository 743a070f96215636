import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** An absolute path from one relative to the repository root, as the route table writes them. */
export function fromRoot(path: string): string {
  return join(REPOSITORY_ROOT, path);
}

/** The service's name and version as package.json states them; the health check reports both. */
export function readPackage(): { name: string; version: string } {
  const { name, version } = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  return { name, version };
}
