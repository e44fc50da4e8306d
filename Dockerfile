# mend's image: the worker (default command) and the gateway (node dist/gateway/main.js). The workflow bundle of the
# built-in packs is built here (into MEND_BUNDLE_CACHE), so the worker starts without webpack. A team's own packs:
# COPY them in, list them under `packs:` in mend.yaml and run `node dist/workers/bundle.js` in a derived image.
FROM node:20-slim AS build
WORKDIR /app
ENV MEND_BUNDLE_CACHE=/app/.bundles
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production MEND_BUNDLE_CACHE=/app/.bundles
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/config ./config
COPY --from=build /app/runbooks ./runbooks
COPY --from=build /app/.bundles ./.bundles
COPY package.json ./
RUN mkdir -p /app/.mend/snapshots && chown -R node:node /app/.mend
USER node
EXPOSE 9464 9470
CMD ["node", "--max-old-space-size=256", "dist/workers/main.js"]
