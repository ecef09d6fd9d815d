import type * as OidcProvider from 'oidc-provider';

/**
 * oidc-provider, loaded once. It warns on every load under Node.js 20 ("Unsupported
 * runtime"), which local mode supports (its own tests run on it, and the Lambda runtime,
 * where no development issuer runs, is Node 22): that one notice is left out, nothing else.
 */
function load(): typeof OidcProvider {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('Unsupported runtime')) warn(...args);
  };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- evaluated inside the filter above
    return require('oidc-provider') as typeof OidcProvider;
  } finally {
    console.warn = warn;
  }
}

const library = load();
export const Provider = library.default;
export const { errors } = library;
export type { Configuration, KoaContextWithOIDC, ClientMetadata, Provider as ProviderInstance } from 'oidc-provider';
