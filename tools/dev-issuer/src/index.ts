export { loadOrCreateSigningKey, readSigningKey, SIGNING_ALGORITHM, type SigningKey } from './signing-key';
export { mintAccessToken, TokenRequest, Duration } from './mint-token';
export { startDevIssuer, type DevIssuer, type DevIssuerOptions } from './issuer-server';
export { devDirectory, loadDevDirectory, type DevDirectory, type DevUser } from './dev-users';
export type { IssuerLogger } from './issuer-events';
export { metadataUrl, type ProtectedResource } from './protected-resources';
export { refusedAddress } from './client-metadata-fetch';
