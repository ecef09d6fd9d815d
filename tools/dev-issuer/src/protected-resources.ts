import { z } from 'zod';

/** An MCP server as the authorization server sees it: what a token for it may carry. */
export interface ProtectedResource {
  /** The resource indicator (RFC 8707): the server's MCP endpoint, and the `aud` of its tokens. */
  readonly resource: string;
  readonly name: string;
  /** What the server advertises in its protected-resource metadata (RFC 9728). */
  readonly scopes: readonly string[];
}

/** Why a resource indicator is refused; the text reaches the client as `error_description`. */
export class ResourceRefused extends Error {
  override readonly name = 'ResourceRefused';
}

export interface ResourceCatalog {
  /** The server behind a resource indicator, or a {@link ResourceRefused} naming the reason. */
  lookup(resource: string): Promise<ProtectedResource>;
}

const ProtectedResourceMetadata = z.object({
  resource: z.string(),
  authorization_servers: z.array(z.string()).default([]),
  scopes_supported: z.array(z.string()).default([]),
  resource_name: z.string().optional(),
});

export interface ResourceCatalogOptions {
  /** This authorization server's issuer: a server that names another one is refused. */
  issuer: string;
  /** The MCP endpoints this issuer serves (read on every lookup: servers may start after the issuer). */
  resources: () => readonly string[];
  /** APIs known by configuration instead, as an identity provider's API registrations (an audience such as api://…, its scopes). */
  apis?: readonly ProtectedResource[];
  cacheMs?: number;
  timeoutMs?: number;
}

/**
 * The platform's MCP endpoints, each with the scopes its protected-resource metadata
 * advertises, read from the running server (cached briefly): the server stays the one
 * place that says which scopes it defines.
 */
export function createResourceCatalog({ issuer, resources, apis = [], cacheMs = 30_000, timeoutMs = 2_000 }: ResourceCatalogOptions): ResourceCatalog {
  const cache = new Map<string, { at: number; value: Promise<ProtectedResource> }>();
  const read = async (resource: string): Promise<ProtectedResource> => {
    const url = metadataUrl(resource);
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' }).catch((error: unknown) => {
      throw new ResourceRefused(`${resource} is not answering (${(error as Error).message}): is its server running?`);
    });
    const parsed = ProtectedResourceMetadata.safeParse(response.ok ? await response.json().catch(() => undefined) : undefined);
    if (!parsed.success) throw new ResourceRefused(`${resource} serves no valid protected-resource metadata at ${url} (HTTP ${response.status})`);
    const metadata = parsed.data;
    if (metadata.resource !== resource) throw new ResourceRefused(`${url} describes ${metadata.resource}, not ${resource}`);
    if (!metadata.authorization_servers.includes(issuer)) throw new ResourceRefused(`${resource} does not accept tokens from ${issuer}`);
    return { resource, name: metadata.resource_name ?? resource, scopes: metadata.scopes_supported };
  };
  return {
    lookup(resource) {
      const api = apis.find((candidate) => candidate.resource === resource);
      if (api) return Promise.resolve(api);
      const known = [...resources(), ...apis.map((candidate) => candidate.resource)];
      if (!resources().includes(resource)) {
        return Promise.reject(new ResourceRefused(`${resource} is not an MCP server of this platform (known: ${known.join(', ') || 'none yet'})`));
      }
      const cached = cache.get(resource);
      if (cached && Date.now() - cached.at < cacheMs) return cached.value;
      const value = read(resource);
      cache.set(resource, { at: Date.now(), value });
      value.catch(() => cache.delete(resource));
      return value;
    },
  };
}

/** RFC 9728 §3.1: the well-known path is inserted between the host and the resource's path. */
export function metadataUrl(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}/.well-known/oauth-protected-resource${path}`;
}
