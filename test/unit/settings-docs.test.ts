import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'vitest'
import { parse } from 'yaml'
import { exampleEnv, README_END, README_START, readmeTable } from '../../scripts/settings.js'
import { settings } from '../../shared/config/index.js'

const root = new URL('../../', import.meta.url)
const read = (file: string): string => readFileSync(new URL(file, root), 'utf8')
const schemaNames = settings()
  .map((s) => s.env)
  .sort()

/** Names set in an env-file text (commented-out ones too). */
function envFileNames(text: string): string[] {
  return [...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]{2,})=/gm)].map((m) => m[1] ?? '').sort()
}

interface ComposeService {
  environment?: Record<string, unknown>
}

/** The environment compose gives one service, with the shared anchors merged in as compose merges them. */
function composeEnvironment(service: string): string[] {
  const doc = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> }
  const env = doc.services[service]?.environment
  assert.ok(env !== undefined, `docker-compose.yml has a ${service} service with an environment`)
  return Object.keys(env).sort()
}

describe('every setting is documented where an operator looks, and nowhere else', () => {
  test('the schema names each variable once', () => {
    assert.equal(new Set(schemaNames).size, schemaNames.length)
  })

  test('example.env is the one `npm run settings` writes from the schema (names, meanings, defaults)', () => {
    assert.equal(read('example.env'), exampleEnv(), 'example.env is out of date: run npm run settings')
    assert.deepEqual(envFileNames(read('example.env')), schemaNames)
  })

  test("the README's settings table is the one written from the schema, and names exactly its settings", () => {
    const readme = read('README.md')
    const start = readme.indexOf(README_START)
    const end = readme.indexOf(README_END)
    assert.ok(start !== -1 && end > start, 'the README has the settings block')
    const block = readme.slice(start + README_START.length, end).trim()
    assert.equal(block, readmeTable(), 'the README table is out of date: run npm run settings')
    const named = [...block.matchAll(/`([A-Z][A-Z0-9_]{2,})`/g)].map((m) => m[1] ?? '').sort()
    assert.deepEqual(named, schemaNames)
  })

  test('docker-compose.yml passes every setting to the api and to the worker, and no other name', () => {
    for (const service of ['api', 'worker']) {
      assert.deepEqual(composeEnvironment(service), schemaNames, `the ${service} service's environment`)
    }
  })

  test('the checks can fail: a name missing from a file is noticed', () => {
    const withoutOne = read('example.env').replace(/^CODE_LENGTH=.*$/m, '')
    assert.notDeepEqual(envFileNames(withoutOne), schemaNames)
  })
})
