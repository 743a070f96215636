import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { BROWSER_SECURITY_HEADERS } from '../security-headers-values.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/** Answers with the file under `webDir` that `pathname` names; false if there is none. */
export async function serveFile(
  res: ServerResponse,
  webDir: string,
  pathname: string,
  method: string,
): Promise<boolean> {
  let relative: string;
  try {
    relative = normalize(decodeURIComponent(pathname === '/' ? '/index.html' : pathname));
  } catch {
    return false;
  }
  const file = join(webDir, relative);
  if (!file.startsWith(webDir + sep)) return false;
  try {
    if (!(await stat(file)).isFile()) return false;
  } catch {
    return false;
  }
  const content = await readFile(file);
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': String(content.length),
    'cache-control': 'no-cache',
    ...BROWSER_SECURITY_HEADERS,
  });
  res.end(method === 'HEAD' ? undefined : content);
  return true;
}
