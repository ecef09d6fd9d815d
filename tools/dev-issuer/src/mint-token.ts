import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { z } from 'zod';
import { SIGNING_ALGORITHM, type SigningKey } from './signing-key';

const DURATION = /^(\d+)\s*([smhd])$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** "90s", "15m", "1h", "7d" → seconds. */
export const Duration = z
  .string()
  .regex(DURATION, 'must look like 90s, 15m, 1h or 7d')
  .transform((text) => {
    const [, amount, unit] = DURATION.exec(text)!;
    return Number(amount) * UNIT_SECONDS[unit as keyof typeof UNIT_SECONDS];
  });

export const TokenRequest = z.object({
  issuer: z.url(),
  subject: z.string().min(1),
  audience: z.string().min(1),
  scopes: z.array(z.string().min(1)).default([]),
  clientId: z.string().min(1).default('dev-cli'),
  /** The caller's groups (`groups` claim; omitted when empty), as an identity provider lists them. */
  groups: z.array(z.string().min(1)).default([]),
  ttlSeconds: z.number().int().positive().max(30 * 86400).default(3600),
});
export type TokenRequest = z.input<typeof TokenRequest>;

/** Signs an RFC 9068-shaped access token with the development key. */
export async function mintAccessToken(key: SigningKey, request: TokenRequest): Promise<string> {
  const { issuer, subject, audience, scopes, clientId, groups, ttlSeconds } = TokenRequest.parse(request);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: scopes.join(' '), client_id: clientId, ...(groups.length ? { groups } : {}) })
    .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid, typ: 'at+jwt' })
    .setIssuer(issuer)
    .setSubject(subject)
    .setAudience(audience)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + ttlSeconds)
    .setJti(randomUUID())
    .sign(key.privateKey);
}
