// Node's error codes for a peer certificate that does not verify against the trusted CAs:
// the Kafka client and the Redis sink turn them into one line naming their CA setting.
export const UNTRUSTED_CERTIFICATE: ReadonlySet<string> = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID',
])
