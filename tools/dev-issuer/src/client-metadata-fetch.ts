import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';

/** How the authorization server may fetch a client ID metadata document. */
export interface ClientMetadataFetchPolicy {
  /**
   * DEVELOPMENT ONLY: also fetch from loopback addresses (127.0.0.0/8, ::1), so that a test
   * can serve a document on 127.0.0.1. Every other private or special-use address stays refused.
   */
  allowLoopback: boolean;
  /** Extra certificate authorities (PEM) to trust, e.g. a test's own for its loopback server. */
  trustedCertificates?: readonly string[];
  timeoutMs: number;
  maxBytes: number;
}

const SPECIAL_USE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) SPECIAL_USE.addSubnet(network, prefix, 'ipv4');
// IPv4-compatible and -translated forms (::/96, 64:ff9b::/96 and /48, 6to4 2002::/16) can carry any IPv4 address inside.
for (const [network, prefix] of [
  ['::', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['2002::', 16],
  ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) {
  SPECIAL_USE.addSubnet(network, prefix, 'ipv6');
}
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Why an address may not be fetched from, or undefined when it may. */
export function refusedAddress(address: string, allowLoopback: boolean): string | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return refusedAddress(mapped, allowLoopback);
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  if (LOOPBACK.check(address, family)) return allowLoopback ? undefined : `${address} is a loopback address`;
  return SPECIAL_USE.check(address, family) ? `${address} is a private or special-use address` : undefined;
}

/**
 * A `fetch` for oidc-provider's client ID metadata documents that holds to the policy:
 * https only, every resolved address checked before connecting (so a name cannot rebind to
 * an internal address between the check and the connection), no redirects followed (a 3xx
 * reaches oidc-provider, which refuses anything but 200), a time limit and a size limit (a
 * larger document is refused here, with the reason, rather than handed over cut short).
 */
export function createClientMetadataFetch(policy: ClientMetadataFetchPolicy) {
  const ca = policy.trustedCertificates?.length ? [...rootCertificates, ...policy.trustedCertificates] : undefined;
  const lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refusal = addresses.map((entry) => refusedAddress(entry.address, policy.allowLoopback)).find(Boolean);
      if (refusal) return callback(Object.assign(new Error(`${hostname} resolves to a refused address: ${refusal}`), { code: 'EREFUSED' }), '', 0);
      if (options.all) return callback(null, addresses as never, 0);
      const [first] = addresses;
      return first ? callback(null, first.address, first.family) : callback(new Error(`${hostname} has no address`), '', 0);
    });
  };

  return (input: string | URL, init: { headers?: HeadersInit; signal?: AbortSignal | null } = {}): Promise<Response> => {
    const url = new URL(String(input));
    if (url.protocol !== 'https:') return Promise.reject(new Error(`${url.href} is not an https URL`));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const literal = isIP(host) ? refusedAddress(host, policy.allowLoopback) : undefined;
    if (literal) return Promise.reject(new Error(`${url.href} is refused: ${literal}`));
    const signal = AbortSignal.any([AbortSignal.timeout(policy.timeoutMs), ...(init.signal ? [init.signal] : [])]);
    return new Promise<Response>((resolve, reject) => {
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, name) => (headers[name] = value));
      const tooLarge = () => new Error(`the document is larger than ${policy.maxBytes} bytes`);
      const req = request(url, { method: 'GET', headers, lookup, signal, ...(ca ? { ca } : {}) }, (res) => {
        if (Number(res.headers['content-length'] ?? 0) > policy.maxBytes) {
          res.destroy();
          return reject(tooLarge());
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          chunks.push(chunk);
          if (size > policy.maxBytes) {
            res.destroy();
            reject(tooLarge());
          }
        });
        res.on('end', () => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') responseHeaders.set(name, value);
          const status = res.statusCode ?? 502;
          resolve(new Response(NULL_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks), { status, headers: responseHeaders }));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  };
}
