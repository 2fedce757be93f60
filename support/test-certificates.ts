import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/**
 * Certificates for the integration tests (not part of the package): a throw-away CA and leaf certificates
 * it signs, made with openssl in a temp dir. Each leaf carries its names as subjectAltName and an OCSP
 * responder URL on loopback (never contacted), so nginx accepts it for OCSP stapling.
 */

/** One leaf certificate to make: `<dir>/<file>.crt` (the leaf, then the CA) and `<dir>/<file>.key`. */
export interface TestCertificate {
  /** File name without extension. */
  readonly file: string;
  /** DNS names (the first is the subject's CN). */
  readonly names: readonly string[];
}

const openssl = (args: string[]): void => {
  execFileSync('openssl', args, { stdio: 'ignore', timeout: 20_000 });
};

/**
 * Writes `<dir>/ca.crt` (and its key) and one leaf per entry. Files readable by nginx's master only where
 * they are keys (0600, as openssl writes them).
 */
export function writeTestCertificates(dir: string, leaves: readonly TestCertificate[]): void {
  const ca = path.join(dir, 'ca');
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=kvms test CA',
    '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', `${ca}.key`, '-out', `${ca}.crt`]);
  for (const leaf of leaves) {
    const base = path.join(dir, leaf.file);
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${leaf.names[0]}`,
      '-keyout', `${base}.key`, '-out', `${base}.csr`]);
    fs.writeFileSync(
      `${base}.ext`,
      [
        `subjectAltName=${leaf.names.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',')}`,
        'authorityInfoAccess=OCSP;URI:http://127.0.0.1:9/',
        'extendedKeyUsage=serverAuth',
        '',
      ].join('\n'),
    );
    openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '1',
      '-extfile', `${base}.ext`, '-out', `${base}.leaf.crt`]);
    fs.writeFileSync(`${base}.crt`, fs.readFileSync(`${base}.leaf.crt`, 'utf8') + fs.readFileSync(`${ca}.crt`, 'utf8'));
    for (const f of ['csr', 'ext', 'leaf.crt']) fs.rmSync(`${base}.${f}`);
  }
}
