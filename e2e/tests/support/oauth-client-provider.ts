import { randomUUID } from 'node:crypto';

/**
 * What an MCP client application keeps between the steps of an OAuth sign-in, in memory:
 * its registration, the PKCE verifier, discovery and tokens. Written against the shape both
 * SDK lines share (v1 `OAuthClientProvider` and v2's), as a desktop client would implement it.
 */
export interface ClientRegistration {
  /** The client's redirect URI (a loopback callback). */
  redirectUrl: string;
  clientName: string;
  /** A client ID metadata document URL: the client registers by it instead of by RFC 7591. */
  clientMetadataUrl?: string;
}

type Json = Record<string, unknown>;

export class MemoryOAuthClientProvider {
  /** The authorization URL of the latest sign-in the SDK asked the user to complete. */
  authorizationUrl?: URL;
  private information?: Json;
  private storedTokens?: Json;
  private verifier?: string;
  private discovery?: Json;

  constructor(private readonly registration: ClientRegistration) {}

  /** RFC 6749 §10.12: the client binds the callback to the request it made. */
  state(): string {
    return randomUUID();
  }

  get redirectUrl(): string {
    return this.registration.redirectUrl;
  }

  get clientMetadataUrl(): string | undefined {
    return this.registration.clientMetadataUrl;
  }

  get clientMetadata() {
    return {
      client_name: this.registration.clientName,
      redirect_uris: [this.registration.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  clientInformation() {
    return this.information as never;
  }

  saveClientInformation(information: Json): void {
    this.information = information;
  }

  tokens() {
    return this.storedTokens as never;
  }

  saveTokens(tokens: Json): void {
    this.storedTokens = tokens;
  }

  /** The current access and refresh tokens (for assertions). */
  get current(): { access_token: string; refresh_token?: string } {
    if (!this.storedTokens) throw new Error('no tokens yet');
    return this.storedTokens as { access_token: string; refresh_token?: string };
  }

  redirectToAuthorization(authorizationUrl: URL): void {
    this.authorizationUrl = authorizationUrl;
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    if (!this.verifier) throw new Error('no code verifier saved');
    return this.verifier;
  }

  saveDiscoveryState(state: Json): void {
    this.discovery = state;
  }

  discoveryState() {
    return this.discovery as never;
  }

  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'client') this.information = undefined;
    if (scope === 'all' || scope === 'tokens') this.storedTokens = undefined;
    if (scope === 'all' || scope === 'verifier') this.verifier = undefined;
    if (scope === 'all' || scope === 'discovery') this.discovery = undefined;
  }
}
