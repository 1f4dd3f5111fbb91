# One image for the laas API and the laas worker; the command picks which (see
# deploy/docker-entrypoint.sh): `api` (default), `worker`, `migrate`, or `laas ...` for the CLI.
#   docker build -t laas .
#   docker run --rm -e DATABASE_URL=... -e TEMPORAL_ADDRESS=... laas worker
# docker-compose.yml wires it to PostgreSQL and Temporal.
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    # Inside a container the API must listen beyond loopback; the port is published by compose.
    LAAS_API_HOST=0.0.0.0 \
    LAAS_API_PORT=8080 \
    LAAS_LAB_FILE=/etc/laas/lab.yaml \
    npm_config_update_notifier=false

WORKDIR /app

# Dependencies first, so a code change reuses this layer. `npm install`, not `npm ci`: the lock is
# made with omit-lockfile-registry-resolved, which leaves other platforms' optional packages out,
# and `npm ci` refuses such a lock; `npm install` keeps every version the lock pins and fetches
# the platform packages this image needs. tsx is a runtime dependency: the code runs as TypeScript.
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund --loglevel=error \
 && npm cache clean --force

COPY tsconfig.json ./
COPY activities ./activities
COPY api ./api
COPY bin ./bin
COPY cli ./cli
COPY config ./config
COPY db ./db
COPY drivers ./drivers
COPY scripts ./scripts
COPY sim ./sim
COPY workers ./workers
COPY workflows ./workflows
COPY deploy/docker-entrypoint.sh /usr/local/bin/laas-entrypoint

# The simulated lab ships as the default lab file; a real deployment mounts its own over it.
RUN mkdir -p /etc/laas && cp config/sim-lab.yaml /etc/laas/lab.yaml \
 && chmod 0755 /usr/local/bin/laas-entrypoint

# The node image's unprivileged user; nothing in /app is writable by it.
USER node

EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.LAAS_API_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

ENTRYPOINT ["laas-entrypoint"]
CMD ["api"]
