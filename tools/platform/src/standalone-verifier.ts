/**
 * The standalone export verifier: `node audit-verifier.mjs <export.jsonl> <public-key.pem>`.
 * `npm run build:verifier` bundles it into one file that needs Node.js and nothing else —
 * no repository, no dependencies, no access to the audit store — so an auditor can run it
 * on the export and the published public key alone.
 */
import { readFileSync } from 'node:fs';
import { formatReport, parseExport, verifyAuditDigests } from '@gmcp/mcp-kit/audit-verifier';

export function verifyExport(exportText: string, publicKeyPem: string): { ok: boolean; text: string } {
  const report = verifyAuditDigests({ ...parseExport(exportText), publicKey: publicKeyPem, anchor: 'partial' });
  return { ok: report.ok, text: formatReport(report) };
}

function main(argv: string[]): number {
  const [file, key] = argv;
  if (!file || !key) {
    console.error('Usage: node audit-verifier.mjs <export.jsonl> <public-key.pem>');
    return 2;
  }
  const result = verifyExport(readFileSync(file, 'utf8'), readFileSync(key, 'utf8'));
  console.log(result.text);
  return result.ok ? 0 : 1;
}

if (process.argv[1] && /standalone-verifier|audit-verifier/.test(process.argv[1])) process.exitCode = main(process.argv.slice(2));
