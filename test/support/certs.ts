import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** openssl arguments for a fresh P-256 key without a passphrase. */
const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']

/** Paths of a PEM certificate and its key. */
export interface CertPair {
  cert: string
  key: string
}

let serial = 1000

function openssl(args: string[], cwd: string): void {
  // openssl ships with the machine image; a missing one fails the test loudly.
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
}

/** A throwaway CA in `dir`, valid for a day, with a P-256 key (quick to make). */
export function makeCa(dir: string, name: string): CertPair {
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) }
  openssl(
    [
      'req',
      '-x509',
      ...newKey,
      '-keyout',
      pair.key,
      '-out',
      pair.cert,
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  )
  return pair
}

/**
 * A leaf certificate signed by `ca`: a server one for 127.0.0.1 and
 * localhost, or a client one. Each gets a fresh serial number.
 */
export function makeLeaf(
  dir: string,
  ca: CertPair,
  name: string,
  use: 'server' | 'client',
): CertPair {
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) }
  const csr = join(dir, `${name}.csr`)
  const ext = join(dir, `${name}.ext`)
  const extensions =
    use === 'server'
      ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'
      : 'extendedKeyUsage=clientAuth\n'
  writeFileSync(ext, extensions)
  openssl(['req', '-new', ...newKey, '-keyout', pair.key, '-out', csr, '-subj', `/CN=${name}`], dir)
  serial += 1
  openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-set_serial',
      String(serial),
      '-days',
      '1',
      '-extfile',
      ext,
      '-out',
      pair.cert,
    ],
    dir,
  )
  return pair
}
