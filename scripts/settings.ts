import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { settings, type SettingInfo } from '../shared/config/index.js'

/**
 * `npm run settings`: writes example.env and the README's settings table from the configuration schema, where each
 * setting's default and meaning are written once (shared/config/schema.ts). test/unit/settings-docs.test.ts fails
 * when either file is out of date, and when docker-compose.yml passes a different set of settings.
 */

export const README_START = '<!-- settings:start (npm run settings writes this table) -->'
export const README_END = '<!-- settings:end -->'

function bySection(all: readonly SettingInfo[]): Map<string, SettingInfo[]> {
  const sections = new Map<string, SettingInfo[]>()
  for (const s of all) sections.set(s.sectionTitle, [...(sections.get(s.sectionTitle) ?? []), s])
  return sections
}

/** example.env: every setting with its meaning and default, by section. */
export function exampleEnv(all: readonly SettingInfo[] = settings()): string {
  const out = [
    '# sms-two-factor-auth settings. Copy to .env (read at start when present) or set them in the environment.',
    '# Every setting is validated at boot; a bad value stops the process with a message naming it.',
    '# Empty means "use the default". Written by `npm run settings` from shared/config/schema.ts.',
  ]
  for (const [title, group] of bySection(all)) {
    out.push('', `# --- ${title} ${'-'.repeat(Math.max(3, 104 - title.length))}`)
    for (const s of group) out.push(`# ${s.meaning}`, `${s.env}=${s.secret === true ? '' : s.shownDefault}`)
  }
  return `${out.join('\n')}\n`
}

/** The README's table: one row per section, each setting with its default. */
export function readmeTable(all: readonly SettingInfo[] = settings()): string {
  const rows = ['| section | settings (default) |', '|---|---|']
  for (const [title, group] of bySection(all)) {
    rows.push(`| ${title} | ${group.map((s) => (s.shownDefault === '' || s.secret === true ? `\`${s.env}\`` : `\`${s.env}\` (${s.shownDefault})`)).join(', ')} |`)
  }
  return rows.join('\n')
}

/** The README with its table replaced. */
export function withReadmeTable(readme: string, table: string = readmeTable()): string {
  const start = readme.indexOf(README_START)
  const end = readme.indexOf(README_END)
  if (start === -1 || end < start) throw new Error(`README.md has no ${README_START} … ${README_END} block`)
  return `${readme.slice(0, start + README_START.length)}\n${table}\n${readme.slice(end)}`
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..')
  writeFileSync(join(root, 'example.env'), exampleEnv())
  const readmePath = join(root, 'README.md')
  writeFileSync(readmePath, withReadmeTable(readFileSync(readmePath, 'utf8')))
  process.stdout.write('wrote example.env and the README settings table\n')
}
