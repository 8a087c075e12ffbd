// The one place that loads @peculiar/x509 (certificate generation with ECDSA and RSA keys, which
// node-forge cannot do for ECDSA) and binds it to Node's WebCrypto. tsyringe, which the library
// uses internally, needs a Reflect metadata polyfill loaded before it: hence the import order.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
