import { Hono } from 'hono'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
// The package's own path helper, imported alone: its index would evaluate the whole 1.7 MB browser bundle in Node.
import getAbsoluteFSPath from 'swagger-ui-dist/absolute-path.js'
import type { AppEnv } from '../deps.js'
import { buildOpenApiDocument } from '../openapi/document.js'

/** A separate file, not an inline script, so script-src stays 'self'. validatorUrl: null keeps the page offline. */
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null
});
`

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sms-two-factor-auth · API</title>
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<script src="/docs/assets/swagger-ui-bundle.js" defer></script>
<script src="/docs/assets/docs-init.js" defer></script>
</head>
<body>
<noscript><p>The interactive docs need JavaScript; the document itself is at <a href="/openapi.json">/openapi.json</a>.</p></noscript>
<div id="swagger-ui"></div>
</body>
</html>
`

/** Unversioned paths, so cached for an hour only: a new swagger-ui-dist is picked up soon after a deploy. */
const ASSET_CACHE = 'public, max-age=3600'

/**
 * `GET /openapi.json` (the OpenAPI 3.1 document) and `GET /docs` (Swagger UI, served from swagger-ui-dist with no
 * network access). The document and the assets are read and built once, when the routes are made.
 *
 * @example app.route('/', docsRoutes({ publicRoutes: config.http.publicRoutes }))
 */
export function docsRoutes(options: { publicRoutes: boolean }): Hono<AppEnv> {
  const documentJson = JSON.stringify(buildOpenApiDocument(options))
  const dir = getAbsoluteFSPath()
  const assets = new Map<string, { body: string | Uint8Array<ArrayBuffer>; type: string }>([
    ['swagger-ui.css', { body: readFileSync(join(dir, 'swagger-ui.css'), 'utf8'), type: 'text/css; charset=utf-8' }],
    ['swagger-ui-bundle.js', { body: readFileSync(join(dir, 'swagger-ui-bundle.js'), 'utf8'), type: 'text/javascript; charset=utf-8' }],
    ['favicon-32x32.png', { body: new Uint8Array(readFileSync(join(dir, 'favicon-32x32.png'))), type: 'image/png' }],
    ['docs-init.js', { body: INIT_SCRIPT, type: 'text/javascript; charset=utf-8' }],
  ])

  const app = new Hono<AppEnv>()
  app.get('/openapi.json', (c) => c.body(documentJson, 200, { 'Content-Type': 'application/json; charset=utf-8' }))
  // No CSP of its own: the app's strict default fits. React sets Swagger UI's styles through the CSSOM, which
  // style-src does not govern, and its icons are data: images, which img-src allows. The browser test guards this.
  app.get('/docs', (c) => c.html(PAGE))
  app.get('/docs/assets/:file', (c) => {
    const asset = assets.get(c.req.param('file'))
    // Falls through to the app's notFound, so an unknown asset gets the usual 404 envelope.
    if (asset === undefined) return c.notFound()
    return c.body(asset.body, 200, { 'Content-Type': asset.type, 'Cache-Control': ASSET_CACHE })
  })
  return app
}
