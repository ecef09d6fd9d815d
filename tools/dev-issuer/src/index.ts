export { loadOrCreateSigningKey, SIGNING_ALGORITHM, type SigningKey } from './signing-key';
export { mintAccessToken, TokenRequest, Duration } from './mint-token';
export { startDevIssuer, type DevIssuer } from './issuer-server';
