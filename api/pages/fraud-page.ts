import type { FraudOverview, PrefixFigures } from '../fraud/guard.js'
import { escapeHtml } from './html.js'

/*
 * The admin overview (`GET /admin/` on the admin listener): what the fraud guard sees, for a person at a glance.
 * Server-rendered HTML and SVG, no script at all (the admin listener's CSP allows none); its styles are admin.css
 * beside this file. A block's "Lift" button is a plain form post.
 */

const CHART_WIDTH = 720
const BAR_HEIGHT = 18
const LABEL_WIDTH = 90

function percent(f: PrefixFigures): string {
  return f.sends === 0 ? '–' : `${Math.round((100 * f.approved) / f.sends)} %`
}

/** Horizontal bars, one per row: the whole bar is the codes sent, the darker part those used. */
function conversionBars(rows: ReadonlyArray<{ readonly label: string; readonly blocked?: boolean } & PrefixFigures>, title: string): string {
  if (rows.length === 0) return `<p class="empty">No codes sent in the window.</p>`
  const most = Math.max(...rows.map((r) => r.sends))
  const plot = CHART_WIDTH - LABEL_WIDTH - 150
  const height = rows.length * (BAR_HEIGHT + 6) + 4
  const bars = rows
    .map((r, i) => {
      const y = i * (BAR_HEIGHT + 6) + 2
      const sent = Math.max(2, (plot * r.sends) / most)
      const used = (plot * r.approved) / most
      const label = escapeHtml(r.label)
      return [
        `<text x="${LABEL_WIDTH - 8}" y="${y + 13}" class="label" text-anchor="end">${label}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${sent.toFixed(1)}" height="${BAR_HEIGHT}" class="${r.blocked === true ? 'sent blocked' : 'sent'}"><title>${label}: ${r.sends} sent</title></rect>`,
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${used.toFixed(1)}" height="${BAR_HEIGHT}" class="used"><title>${label}: ${r.approved} used</title></rect>`,
        `<text x="${LABEL_WIDTH + sent + 8}" y="${y + 13}" class="figure">${r.approved} of ${r.sends} used · ${percent(r)}${r.blocked === true ? ' · blocked' : ''}</text>`,
      ].join('')
    })
    .join('\n')
  return `<svg class="chart" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${CHART_WIDTH} ${height}" width="100%">${bars}</svg>`
}

/** Columns over the window: codes sent per bucket, the darker part used. */
function timelineChart(timeline: FraudOverview['timeline']): string {
  const height = 160
  const base = height - 24
  const most = Math.max(1, ...timeline.map((t) => t.sends))
  const step = (CHART_WIDTH - 40) / Math.max(1, timeline.length)
  const columns = timeline
    .map((t, i) => {
      const x = 30 + i * step
      const sent = ((base - 10) * t.sends) / most
      const used = ((base - 10) * t.approved) / most
      const at = escapeHtml(t.at.slice(11, 16))
      return `<rect x="${x.toFixed(1)}" y="${(base - sent).toFixed(1)}" width="${Math.max(1, step - 2).toFixed(1)}" height="${sent.toFixed(1)}" class="sent"><title>${at} UTC: ${t.sends} sent, ${t.approved} used</title></rect><rect x="${x.toFixed(1)}" y="${(base - used).toFixed(1)}" width="${Math.max(1, step - 2).toFixed(1)}" height="${used.toFixed(1)}" class="used"/>`
    })
    .join('')
  const first = timeline[0]?.at.slice(11, 16) ?? ''
  const last = timeline.at(-1)?.at.slice(11, 16) ?? ''
  return `<svg class="chart" role="img" aria-label="Codes sent and used over the window" viewBox="0 0 ${CHART_WIDTH} ${height}" width="100%">
<line x1="28" y1="${base}" x2="${CHART_WIDTH - 8}" y2="${base}" class="axis"/>
<text x="28" y="12" class="figure">${most} per bar at most</text>
${columns}
<text x="30" y="${height - 6}" class="label">${escapeHtml(first)} UTC</text>
<text x="${CHART_WIDTH - 10}" y="${height - 6}" class="label" text-anchor="end">${escapeHtml(last)} UTC</text>
</svg>`
}

function blocksTable(blocks: FraudOverview['blocks'], mode: FraudOverview['mode']): string {
  if (blocks.length === 0) return `<p class="empty">No prefix is blocked.</p>`
  const rows = blocks
    .map((b) => {
      const prefix = escapeHtml(b.prefix)
      return `<tr><th scope="row">${prefix}</th><td><time datetime="${escapeHtml(b.until)}">${escapeHtml(b.until.replace('T', ' ').slice(0, 19))} UTC</time></td><td>${escapeHtml(b.reason)}</td><td>${b.strikes}</td>
<td><form method="post" action="/admin/fraud/blocks/${encodeURIComponent(b.prefix)}/lift"><button type="submit" aria-label="Lift the block of ${prefix}">Lift</button></form></td></tr>`
    })
    .join('\n')
  const note = mode === 'monitor' ? '<p class="note">Monitor mode: these prefixes would be refused; nothing is.</p>' : ''
  return `${note}<table><thead><tr><th scope="col">Prefix</th><th scope="col">Until</th><th scope="col">Why</th><th scope="col">Blocks</th><th scope="col"></th></tr></thead><tbody>
${rows}
</tbody></table>`
}

export function renderFraudPage(overview: FraudOverview, now: Date): string {
  const blocked = new Set(overview.blocks.map((b) => b.prefix))
  const window = overview.windowSeconds >= 3600 ? `${overview.windowSeconds / 3600} h` : `${Math.round(overview.windowSeconds / 60)} min`
  const totals = overview.countries.reduce((t, c) => ({ sends: t.sends + c.sends, approved: t.approved + c.approved }), { sends: 0, approved: 0 })
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>sms-two-factor-auth admin</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/admin/assets/admin.css">
</head>
<body>
<main>
  <header>
    <h1>sms-two-factor-auth admin</h1>
    <nav><a href="/admin/queues">Queues (Bull Board)</a> · <a href="/admin/fraud">Fraud data (JSON)</a> · <a href="/admin/">Refresh</a></nav>
    <p class="lead">Fraud guard: <strong>${escapeHtml(overview.mode)}</strong>. Last ${escapeHtml(window)}: ${totals.sends} codes sent, ${totals.approved} used (${percent(totals)}). As of ${escapeHtml(now.toISOString().replace('T', ' ').slice(0, 19))} UTC.</p>
  </header>
  <section aria-labelledby="blocks"><h2 id="blocks">Blocked prefixes</h2>${blocksTable(overview.blocks, overview.mode)}</section>
  <section aria-labelledby="timeline"><h2 id="timeline">Codes sent over time</h2>${timelineChart(overview.timeline)}<p class="legend"><span class="key sent"></span> sent <span class="key used"></span> used (approved)</p></section>
  <section aria-labelledby="countries"><h2 id="countries">Conversion by country</h2>${conversionBars(
    overview.countries.slice(0, 15).map((c) => ({ label: c.country, sends: c.sends, approved: c.approved })),
    'Codes sent and used by country',
  )}</section>
  <section aria-labelledby="prefixes"><h2 id="prefixes">Conversion by prefix</h2>${conversionBars(
    overview.prefixes.slice(0, 20).map((p) => ({ label: p.prefix, sends: p.sends, approved: p.approved, blocked: blocked.has(p.prefix) })),
    'Codes sent and used by prefix',
  )}</section>
</main>
</body>
</html>
`
}
