// Container healthcheck of the server image (Dockerfile HEALTHCHECK, docker-compose.yml): exits 0
// when GET /healthz on this container answers 2xx. Plain Node, no tsx: it runs every 10 s.
// The port is the first argument (the consumer's 8081), else PORT (the API's).
const port = process.argv[2] ?? process.env.PORT ?? '8080';
try {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, {
    signal: AbortSignal.timeout(3000),
  });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
