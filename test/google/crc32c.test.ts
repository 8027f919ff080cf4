/**
 * CRC32C against published vectors, not against the emulator (which shares this code): the iSCSI
 * test vectors of RFC 3720, appendix B.4, and the "123456789" check value of the CRC catalogue
 * (CRC-32/ISCSI, check = 0xE3069283).
 */
import { crc32c } from '../../lib/google/crc32c';

const bytes = (f: (i: number) => number) => Uint8Array.from({ length: 32 }, (_, i) => f(i));

test.each([
  ['32 bytes of zeros', bytes(() => 0x00), 0x8a9136aa],
  ['32 bytes of 0xFF', bytes(() => 0xff), 0x62a8ab43],
  ['32 incrementing bytes 0x00..0x1F', bytes((i) => i), 0x46dd794e],
  ['32 decrementing bytes 0x1F..0x00', bytes((i) => 31 - i), 0x113fdb5c],
  ['"123456789"', new TextEncoder().encode('123456789'), 0xe3069283],
  ['nothing', new Uint8Array(0), 0x00000000],
])('%s', (_name, data, expected) => {
  expect(crc32c(data)).toBe(expected);
});
