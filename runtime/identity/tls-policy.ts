// What a mesh hop's TLS offers and accepts, on both ends (inbound listener, mTLS pool): TLS 1.2 or
// later, and in TLS 1.2 only ECDHE key exchange (forward secrecy) with AEAD ciphers, as Istio's
// workload default. Node's default list also takes CBC-SHA1 and static-RSA suites (AES128-SHA,
// AES128-GCM-SHA256), which no meshc peer needs. TLS 1.3's suites are all AEAD; they are listed so
// the string names everything a hop may use.

export const MESH_TLS_MIN_VERSION = 'TLSv1.2';

export const MESH_TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');
