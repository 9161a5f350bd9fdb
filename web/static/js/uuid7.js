// UUIDv7 (RFC 9562): 48 bits of Unix time in ms, then random bits.  Ids made
// later sort later, so the server's unique index on movement ids grows at its
// end instead of being rewritten at random.  Within one millisecond a 12-bit
// counter keeps them increasing.

let lastMs = -1;
let counter = 0;

export function uuid7(now = Date.now()) {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  let ms = Math.max(now, lastMs);
  if (ms === lastMs) {
    counter += 1;
    if (counter > 0xfff) {
      ms += 1;
      counter = 0;
    }
  } else {
    counter = bytes[6] & 0x07; // a small random start, room to count up
  }
  lastMs = ms;
  for (let i = 5; i >= 0; i -= 1) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
