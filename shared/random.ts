import { randomFillSync } from 'node:crypto'

/*
 * Cryptographically random bytes from a pool: one getrandom call fills 4 KB, then ids and IVs are sliced from it.
 * A call per id (crypto.randomBytes(16)) was a measurable share of the request path. The pool is never reused:
 * every byte is handed out once.
 */
const POOL_SIZE = 4096
const pool = Buffer.alloc(POOL_SIZE)
let offset = POOL_SIZE

export function randomBytesPooled(size: number): Buffer {
  if (size > POOL_SIZE) return randomFillSync(Buffer.alloc(size))
  if (offset + size > POOL_SIZE) {
    randomFillSync(pool)
    offset = 0
  }
  const out = Buffer.from(pool.subarray(offset, offset + size))
  offset += size
  return out
}
