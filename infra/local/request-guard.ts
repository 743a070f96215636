/**
 * What keeps local mode from being an open door to every web page the user visits:
 * a page on another site may send requests to localhost (a form, a no-cors fetch), and a
 * DNS-rebinding page may even read the answers. These rules refuse both.
 */

/** A refusal: the gateway answers it as `{error, code}` JSON with this status. */
export interface Refusal {
  status: number;
  error: string;
  code: string;
}

/** Host names that always reach this machine only. */
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);
/** Listen addresses that are not names a client would send in Host. */
const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::', '[::]', '']);

/**
 * The host names (no port, lower case) the gateway answers for besides the loopback ones:
 * the HOST it listens on, unless that is a wildcard address, and each of `extra`
 * (ALLOWED_HOSTS, split at commas). Blank entries are skipped; an entry that is not a
 * host name (or host:port) throws, so that a typo stops local mode at start-up.
 */
export function allowedHostNames(
  listenHost: string,
  extra: readonly string[] = [],
): ReadonlySet<string> {
  const names = new Set<string>();
  const candidates = [listenHost, ...extra].map((name) => name.trim());
  for (const candidate of candidates) {
    if (WILDCARD_ADDRESSES.has(candidate)) continue;
    // A bare IPv6 address (HOST=::1) is written in brackets in Host and in URLs.
    const bareIPv6 = candidate.split(':').length > 2 && !candidate.startsWith('[');
    const name = bareIPv6 ? `[${candidate}]` : candidate;
    const hostname = hostnameOf(name);
    if (!hostname) throw new Error(`Not a host name: "${candidate}" (in HOST or ALLOWED_HOSTS)`);
    names.add(hostname);
  }
  return names;
}

/** Refuses a missing Host, and any Host that is neither a loopback name nor an allowed one. */
export function checkHost(
  host: string | undefined,
  allowed: ReadonlySet<string>,
): Refusal | undefined {
  if (host === undefined || host === '') {
    return { status: 400, error: 'The request has no Host header', code: 'missing_host' };
  }
  const hostname = hostnameOf(host);
  if (!hostname) return { status: 400, error: 'The Host header is malformed', code: 'bad_host' };
  if (LOOPBACK_NAMES.has(hostname) || hostname.endsWith('.localhost') || allowed.has(hostname))
    return undefined;
  return {
    status: 421,
    error: `This local service does not answer for host ${hostname}; add it to ALLOWED_HOSTS to allow it`,
    code: 'host_not_allowed',
  };
}

/**
 * Refuses a request a browser sent from a page of another origin (or from an opaque
 * one, `Origin: null`). Without Origin (curl, scripts, same-origin GETs) it passes.
 * Local mode speaks plain HTTP, so its own origin is `http://` and the Host header.
 */
export function checkOrigin(origin: string | undefined, host: string): Refusal | undefined {
  if (origin === undefined) return undefined;
  const own = URL.parse(`http://${host}`);
  const from = URL.parse(origin);
  if (own && from && from.protocol === 'http:' && from.host === own.host) return undefined;
  return {
    status: 403,
    error: `Requests from pages of another origin (${origin.slice(0, 100)}) are refused`,
    code: 'cross_origin_refused',
  };
}

/**
 * Refuses a request body that is not JSON. A body a page on another site can send without
 * asking first (text/plain, a form) must not reach a handler; a request with no body at
 * all (the old dashboard's bodiless POST and PATCH, whatever their Content-Type) carries
 * nothing to refuse.
 */
export function checkBodyType(
  contentType: string | undefined,
  bodyBytes: number,
): Refusal | undefined {
  if (bodyBytes === 0 || isJsonMediaType(contentType)) return undefined;
  return {
    status: 415,
    error: 'A request body must be JSON, sent with Content-Type: application/json',
    code: 'unsupported_media_type',
  };
}

/** application/json or a `+json` type, with any parameters (charset=utf-8). */
export function isJsonMediaType(contentType: string | undefined): boolean {
  const type = mediaType(contentType);
  return type === 'application/json' || /^application\/[\w.-]+\+json$/.test(type);
}

/** The media type of a Content-Type, lower case, without parameters; '' when there is none. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** The host name of a Host value (which may carry a port), lower case; undefined if malformed. */
function hostnameOf(host: string): string | undefined {
  // Anything a URL's authority would take apart differently is not a plain host[:port].
  if (/[/?#@\\\s]/.test(host)) return undefined;
  const url = URL.parse(`http://${host}`);
  return url?.hostname || undefined;
}
