/**
 * A Secret Manager payload's bytes, checked against the CRC32C Secret Manager sends with it
 * (`dataCrc32c`): the one checksum-and-decode step for every secret gwkit reads.
 */
import type { secretmanager_v1 } from 'googleapis/build/src/apis/secretmanager/v1';
import { RemoteError } from '../errors';
import { crc32c } from './crc32c';

/** The payload's bytes; a checksum mismatch (corrupted in transit) is a retryable remote fault naming `name`. */
export function payloadBytes(name: string, payload: secretmanager_v1.Schema$SecretPayload | undefined): Buffer {
  const data = Buffer.from(payload?.data ?? '', 'base64');
  if (payload?.dataCrc32c != null && String(crc32c(data)) !== String(payload.dataCrc32c)) {
    throw new RemoteError(`secret ${name}: payload checksum mismatch (corrupted in transit)`, { retryable: true });
  }
  return data;
}

/** A payload for `addVersion`: the bytes in base64, with their checksum so that Secret Manager can refuse a corrupted write. */
export function payloadOf(data: Buffer): secretmanager_v1.Schema$SecretPayload {
  return { data: data.toString('base64'), dataCrc32c: String(crc32c(data)) };
}
