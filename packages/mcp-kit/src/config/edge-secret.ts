/** The header a CDN in front of the service adds, holding the edge secret. */
export const EDGE_SECRET_HEADER = 'x-gmcp-edge-secret';

/**
 * The values an edge secret setting holds: one, or during a rotation two, separated by
 * white space. The CDN sends the first.
 */
export function edgeSecretValues(setting: string): string[] {
  return setting.split(/\s+/).filter(Boolean);
}
