import type { Backends } from './options.js';

const REDIS_SERVICE = `      redis:
        image: redis:7
        ports:
          - 6379:6379
        options: >-
          --health-cmd "redis-cli ping"
          --health-interval 5s
          --health-timeout 3s
          --health-retries 10
`;

const POSTGRES_SERVICE = `      postgres:
        image: postgres:16
        ports:
          - 5432:5432
        env:
          POSTGRES_HOST_AUTH_METHOD: trust
        options: >-
          --health-cmd "pg_isready -U postgres"
          --health-interval 5s
          --health-timeout 3s
          --health-retries 10
`;

/**
 * The minimal template's `.github/workflows/ci.yml`: install, lint, build, test (on the chosen
 * servers, as GitHub service containers) and the deploy checks with production settings.
 * The board template ships apps/demo's own workflow instead.
 */
export function minimalWorkflow(backends: Backends): string {
  const services = [backends.redis ? REDIS_SERVICE : '', backends.postgres ? POSTGRES_SERVICE : ''].join('');
  const env = [
    backends.redis ? '      REDIS_URL: redis://127.0.0.1:6379\n' : '',
    backends.postgres ? '      DATABASE_URL: postgres://postgres@127.0.0.1:5432/postgres\n' : '',
  ].join('');
  return `# CI: install, lint, build, test${services ? " with the app's servers as services" : ''}, and gate on the deploy checks.
name: ci

on:
  push:
    branches: [main]
  pull_request:

permissions:
  contents: read

jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 15
${services ? `    services:\n${services}` : ''}    env:
      CI: "true"
${env}    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
          cache: npm
      - run: npm ci
      - run: npm run lint
      - run: npm run build
      - run: npm test
      - name: Deploy checks with production settings
        env:
          DEBUG: "false"
          NODE_ENV: production
          # A repository secret (Settings → Secrets and variables → Actions): 50+ random characters.
          SECRET_KEY: \${{ secrets.SECRET_KEY }}
          ALLOWED_HOSTS: app.example.com
          SECURE_SSL_REDIRECT: "true"
          SECURE_PROXY_SSL_HEADER: X-Forwarded-Proto,https
          SECURE_HSTS_SECONDS: "3600"
          SESSION_COOKIE_SECURE: "true"
        run: npm run check
`;
}
