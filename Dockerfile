# syntax=docker/dockerfile:1
#
# One image for both processes of sms-two-factor-auth:
#   api:    node dist/api/main.js     (the default CMD)
#   worker: node dist/worker/main.js  (docker-compose.yml overrides the command)
#
# Stages:
#   deps      - every dependency (dev ones too), needed to compile TypeScript
#   build     - compiles api/, worker/ and shared/ into dist/ with `npm run build`
#   prod-deps - runtime dependencies only, so the final image carries no compiler or linters
#   runtime   - the small image that runs: pruned node_modules + dist/, as the `node` user

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# Copy only the manifests first so this layer (the slow `npm ci`) is reused
# until package.json or package-lock.json change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# ---------------------------------------------------------------------------
FROM deps AS build
# tsconfig*.json picks up tsconfig.json and tsconfig.build.json (if the build script uses it).
COPY tsconfig*.json ./
COPY api ./api
COPY worker ./worker
COPY shared ./shared
COPY scripts ./scripts
RUN npm run build \
 && test -f dist/api/main.js \
 && test -f dist/worker/main.js

# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# A separate clean install (not `npm prune`) so no dev package can leak into the image.
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

# tini runs as PID 1: it forwards SIGTERM/SIGINT to node (so the graceful
# shutdown of the HTTP server and the BullMQ worker runs on `docker stop`)
# and reaps zombie processes. This works with plain `docker run` too, so
# compose does not need `init: true`.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    PORT=3000 \
    NODE_OPTIONS=--enable-source-maps

WORKDIR /app

# Files stay owned by root and are only readable by the `node` user: the
# running service cannot modify its own code or dependencies.
# package.json is needed at run time: its "type": "module" makes node load dist/*.js as ESM.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

# Unprivileged user that ships with the node image (uid 1000).
USER node

# The public API port. The admin listener (ADMIN_PORT, 3001) is deliberately
# not exposed; the worker's admin port (3002) is only used by its healthcheck.
EXPOSE 3000

# Uses node's built-in fetch, so no curl/wget is needed in the image.
# Reads PORT at check time; the worker service overrides this in compose.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/api/main.js"]
