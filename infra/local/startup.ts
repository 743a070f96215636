import { createServer } from 'node:net';

/** A start-up failure the user can fix; local mode prints its message without a stack. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** Says why the data directory cannot be used, for errors from creating or writing in it. */
export function dataDirError(dataDir: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const fix = 'set DATA_DIR to a writable directory';
  switch (code) {
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new StartupError(`DATA_DIR ${dataDir} is not writable (${code}); ${fix}`);
    case 'ENOSPC':
    case 'EDQUOT':
      return new StartupError(
        `DATA_DIR ${dataDir} has no space left (${code}); free some or ${fix}`,
      );
    case 'ENOTDIR':
    case 'EEXIST':
      return new StartupError(`DATA_DIR ${dataDir} is not a directory (${code}); ${fix}`);
    default:
      return error as Error;
  }
}

/** Says why the HTTP server cannot listen, for the errors `listen` gives. */
export function listenError(host: string, port: number, error: unknown): Error {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return new StartupError(`Port ${port} is in use; set PORT=… to use another`);
    case 'EACCES':
      return new StartupError(`Port ${port} needs privileges; set PORT=… above 1023`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError(`HOST ${host} is not an address of this machine; set HOST=127.0.0.1`);
    default:
      return error as Error;
  }
}

/** Throws a StartupError unless `host:port` can be listened on (port 0 always can). */
export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(listenError(host, port, error)));
    server.listen(port, host, resolve);
  });
  await new Promise((resolve) => server.close(resolve));
}
