export { startClientMetadataServer, LOOPBACK_CERTIFICATE, type ClientMetadataServer } from './client-metadata-server';
export { startLimitedIdentityProvider, type LimitedIdentityProvider, type LimitedIdentityProviderOptions } from './limited-identity-provider';
