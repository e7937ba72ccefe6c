import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { buildTestApp, type TestApp } from '../helpers/app.js'

/*
 * The API's Redis connections (api/connections.ts): the store's is auto-pipelined and carries only the service's
 * own scripts; BullMQ's scripts live on the queues' connection, which is not auto-pipelined. ioredis copies every
 * script defined on a connection onto each auto-pipeline it builds, so BullMQ's fifty scripts on the store's
 * connection made every round trip of a request dearer (bench/PERFORMANCE.md, "Two Redis connections").
 */

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
})
afterAll(async () => {
  await t.close()
})

/** The BullMQ commands (`addStandardJob:<version>`, …) defined on an ioredis client. */
function bullmqCommands(client: object): string[] {
  return Object.keys(client).filter((name) => /^[a-zA-Z]+:\d+\.\d+\.\d+$/.test(name))
}

describe('the API has a connection for its store and one for its queues', () => {
  test('after a create, BullMQ has defined its scripts on the queues’ connection only, and only the store’s is auto-pipelined', async () => {
    const res = await t.v1('POST', '/v1/verifications', { to: '+12015550142' })
    assert.equal(res.status, 201)
    const queueClient = await t.queue.client
    assert.notEqual(queueClient, t.redis)
    assert.ok(bullmqCommands(queueClient).some((name) => name.startsWith('addStandardJob:')), 'the queue connection runs BullMQ’s add')
    assert.deepEqual(bullmqCommands(t.redis), [])
    assert.equal(t.redis.options.enableAutoPipelining, true)
    assert.equal(queueClient.options.enableAutoPipelining, false)
    // The job did go through the queues' connection.
    const jobs = await t.queue.getJobs(['waiting'])
    assert.equal(jobs.length, 1)
  })
})

describe('/readyz asks both connections', () => {
  test('ready while both answer; 503 once the queues’ connection is gone, though the store’s still answers', async () => {
    const own = await buildTestApp()
    try {
      assert.equal((await own.app.request('/readyz')).status, 200)
      const queueClient = await own.queue.client
      queueClient.disconnect()
      assert.equal(await own.redis.ping(), 'PONG')
      const res = await own.app.request('/readyz')
      assert.equal(res.status, 503)
      assert.deepEqual(await res.json(), { status: 'unavailable' })
    } finally {
      await own.close()
    }
  })
})
