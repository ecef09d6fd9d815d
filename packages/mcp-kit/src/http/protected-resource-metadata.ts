import type { Request, Response } from 'express';
import type { ServiceConfig } from '../config/service-config';

/** RFC 9728 location of this server's protected-resource metadata (path-suffixed form). */
export function protectedResourceMetadataUrl(config: ServiceConfig): string {
  const resource = new URL(config.resourceUrl);
  return `${resource.origin}/.well-known/oauth-protected-resource${resource.pathname}`;
}

/** Paths at which the RFC 9728 document is served: the bare form and the path-suffixed form for /mcp. */
export function protectedResourceMetadataPaths(config: ServiceConfig): string[] {
  const { pathname } = new URL(config.resourceUrl);
  return ['/.well-known/oauth-protected-resource', `/.well-known/oauth-protected-resource${pathname}`];
}

/** RFC 9728 Protected Resource Metadata: which authorization server issues tokens for this resource. */
export function protectedResourceMetadata(config: ServiceConfig, resourceName: string, scopes: readonly string[]) {
  const document = {
    resource: config.resourceUrl,
    // With the façade, clients discover this server's own metadata, which points at the provider.
    authorization_servers: [config.auth.facade ? config.publicUrl : config.auth.issuer],
    scopes_supported: scopes,
    bearer_methods_supported: ['header'],
    resource_name: resourceName,
  };
  return (_req: Request, res: Response): void => {
    res.set({ 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'public, max-age=300' }).json(document);
  };
}
