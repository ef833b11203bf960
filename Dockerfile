# Production image: builds the TypeScript and the native SQLite addon, then runs as a non-root user.
FROM node:22-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY bench ./bench
COPY bin ./bin
COPY views ./views
COPY public ./public
# The runtime file set is listed once, in scripts/runtime-files.js; test/features/runtime-image.test.ts
# assembles the same set and prunes it the same way, then starts the app from it and sends mail.
RUN npm run build && node scripts/runtime-files.js /runtime && cd /runtime && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production PORT=3000 DATA_DIR=/data
WORKDIR /app
COPY --from=build /runtime ./
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM reaches node directly (exec form): readiness off, drain, exit 0.
CMD ["node", "dist/src/main.js"]
