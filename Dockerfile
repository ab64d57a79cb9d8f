# Container image of hybrid-scheduler-extender: compiled JavaScript only.
#   docker build -t hybrid-scheduler-extender:0.1.0 .

# Build stage: every dependency, then the TypeScript compiler's output.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts
COPY src ./src
RUN npm run build

# Runtime stage: production dependencies, dist/, the launcher and the shipped
# policies. No src/, so bin/hybrid-extender.js runs dist/ without tsx.
FROM node:20-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY bin ./bin
COPY policies ./policies
COPY --from=build /app/dist ./dist
# The node image's unprivileged user; numeric so runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8888 9102
ENTRYPOINT ["node", "bin/hybrid-extender.js"]
CMD ["serve"]
