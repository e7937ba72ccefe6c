import assert from 'node:assert/strict'
import { describe, test } from 'vitest'
import { pickSender } from '../../worker/senders/signalwire.js'

const A = '+12015550101'
const B = '+12015550102'
const C = '+12015550103'
const D = '+12015550104'
const POOL = [A, B, C]

function recipient(i: number): string {
  return `+1415555${i.toString().padStart(4, '0')}`
}

describe('pickSender', () => {
  test('a single number is always chosen', () => {
    for (let i = 0; i < 50; i++) assert.equal(pickSender([A], recipient(i)), A)
  })

  test('the choice is one of the pool', () => {
    for (let i = 0; i < 100; i++) assert.ok(POOL.includes(pickSender(POOL, recipient(i))))
  })

  test('is deterministic for the same recipient, and does not depend on the pool order', () => {
    for (let i = 0; i < 100; i++) {
      const to = recipient(i)
      const first = pickSender(POOL, to)
      assert.equal(pickSender(POOL, to), first)
      assert.equal(pickSender([C, A, B], to), first)
      assert.equal(pickSender([B, C, A], to), first)
    }
  })

  test('removing a number the recipient did not pick keeps its choice', () => {
    for (let i = 0; i < 300; i++) {
      const to = recipient(i)
      const picked = pickSender(POOL, to)
      for (const removed of POOL.filter((n) => n !== picked)) {
        assert.equal(pickSender(POOL.filter((n) => n !== removed), to), picked, `${to}: removing ${removed}`)
      }
    }
  })

  test('adding a number moves only the recipients the new number wins', () => {
    let moved = 0
    for (let i = 0; i < 1_000; i++) {
      const to = recipient(i)
      const before = pickSender(POOL, to)
      const after = pickSender([...POOL, D], to)
      if (after !== before) {
        assert.equal(after, D, to)
        moved++
      }
    }
    // about a quarter should move to the new number
    assert.ok(moved > 150 && moved < 350, `${moved} of 1,000 recipients moved`)
  })

  test('spreads 1,000 recipients over three numbers (each > 20 %)', () => {
    const counts = new Map<string, number>(POOL.map((n) => [n, 0]))
    for (let i = 0; i < 1_000; i++) {
      const from = pickSender(POOL, recipient(i))
      counts.set(from, (counts.get(from) ?? 0) + 1)
    }
    for (const [from, count] of counts) assert.ok(count > 200, `${from} got ${count} of 1,000`)
  })
})
