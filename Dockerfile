# mend's image: the worker (default command) and the gateway (node dist/gateway/main.js). The workflow bundle is built here, so the worker starts without webpack.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/config ./config
COPY package.json ./
RUN mkdir -p /app/.mend/snapshots && chown -R node:node /app/.mend
USER node
EXPOSE 9464 9470
CMD ["node", "--max-old-space-size=256", "dist/workers/main.js"]
