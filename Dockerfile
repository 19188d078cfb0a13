# syntax=docker/dockerfile:1
# The Creator Companion backend as a container (docs/OPERATING.md "Deployment files").
#   docker build -t creator-companion-backend .
#   docker run -e COMPANION_ADMIN_TOKEN=... -v companion-data:/var/lib/companion -p 8080:8080 creator-companion-backend

# ---- build: every dependency, then the bundles in dist/ -------------------------------------------------------
FROM node:22-slim AS build
WORKDIR /app
# The desktop app's Electron binary and the pinned-node download are not needed to bundle the backend.
ENV ELECTRON_SKIP_BINARY_DOWNLOAD=1
COPY package.json package-lock.json ./
# npm install, not npm ci: the lock file lacks other platforms' optional packages, which npm ci refuses (README.md);
# npm install still installs exactly the locked versions.
RUN npm install --ignore-scripts --no-audit --no-fund
COPY . .
RUN node scripts/build.mjs

# ---- runtime: only the runtime dependencies and the backend's bundles ------------------------------------------
FROM node:22-slim AS runtime
ENV NODE_ENV=production \
    COMPANION_DATA=/var/lib/companion \
    COMPANION_HOST=0.0.0.0 \
    COMPANION_PORT=8080
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund \
 && npm cache clean --force \
 && mkdir -p /var/lib/companion \
 && chown node:node /var/lib/companion
COPY --from=build /app/dist/backend ./dist/backend
# The image's unprivileged user; the data folder (SQLite, outputs, uploads) is the only place it writes.
USER node
VOLUME ["/var/lib/companion"]
EXPOSE 8080
# node itself is PID 1 (exec form, no shell in between), so SIGTERM reaches the backend, which drains and exits 0.
# Give it the time to: docker stop --time 30, or stop_grace_period in compose.yaml.
STOPSIGNAL SIGTERM
# Ready check (the database answers, migrations are current, the data folder takes writes; 503 while draining). The
# slim image has no curl: node fetches.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.COMPANION_PORT}/v1/ready`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--disable-warning=ExperimentalWarning", "dist/backend/cli.mjs"]
