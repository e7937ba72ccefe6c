import { cpSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * `npm run build`, second step: tsc compiles the TypeScript into dist/; the files in other languages that the code
 * reads at start (Lua scripts, the demo page's script and styles) are copied beside their modules.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const ASSET = /\.(lua|js|css)$/

function copyAssets(dir: string): number {
  let copied = 0
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) copied += copyAssets(path)
    else if (ASSET.test(name)) {
      cpSync(path, join(root, 'dist', relative(root, path)))
      copied += 1
    }
  }
  return copied
}

const copied = ['api', 'worker', 'shared'].reduce((n, dir) => n + copyAssets(join(root, dir)), 0)
process.stdout.write(`copied ${copied} asset files into dist/\n`)
