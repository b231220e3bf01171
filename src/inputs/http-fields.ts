/**
 * What an HTTP client can send, as rules for the fields that end up in a request Slipway makes or
 * in a URL it builds: a probe's or check's path, a header's name and value, a host. A value these
 * refuse would make the request throw when it is sent (from a timer, long after `validate` said
 * yes), so the project file refuses it with its position instead. Imports only zod, so the
 * runtimes' settings can use it too.
 */
import { z } from 'zod';

/** RFC 3986 characters of a path segment besides `/`: unreserved, sub-delims, `:` and `@`, or a `%XX` escape. */
const PCHAR = String.raw`(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})`;
const PATH_AND_QUERY = new RegExp(String.raw`^/(?:${PCHAR}|/)*(?:\?(?:${PCHAR}|[/?])*)?$`);

/** The path (and optional query) of a request: `/healthz`, `/status?full=1`. No spaces, control characters or fragment. */
export const RequestPath = z.string().regex(PATH_AND_QUERY, 'a URL path such as /healthz or /status?full=1 (no spaces or control characters; %20 for a space)');

/** An HTTP header name: an RFC 7230 token. */
export const HeaderName = z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'a header name of letters, digits and "!#$%&\'*+-.^_`|~"');

/** An HTTP header value: visible characters, spaces and tabs; no line break, NUL or other control character. */
export const HeaderValue = z.string().regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'a header value without line breaks, NUL or other control characters');

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOST = new RegExp(String.raw`^(?:${LABEL}(?:\.${LABEL})*\.?)$|${z.regexes.ipv6.source}`);

/** A host name (`web-1`, `web-1.example.com`), an IPv4 address or an IPv6 address (without brackets). */
export const HostAddress = z.string().regex(HOST, 'a host name or IP address, such as web-1.example.com, 10.0.0.7 or fd00::7');
