/**
 * deploy/check-secrets.sh (the secrets-check service, which PostgreSQL and so everything else
 * waits for) run with the environment compose gives it: .env.example's placeholders stop the
 * stack; real secrets let it start.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  type ComposeFile,
  environmentOf,
  interpolateValues,
  parseComposeYaml,
  readComposeText,
  readEnvExample,
} from './compose-file.js';
import { repoPath } from './repo-root.js';

const execFileAsync = promisify(execFile);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** The secrets-check service's environment with `dotenv` as .env, plus `overrides`. */
async function serviceEnv(
  dotenv: Record<string, string>,
  overrides: Record<string, string> = {},
): Promise<Record<string, string>> {
  const compose = interpolateValues(
    parseComposeYaml(await readComposeText()),
    dotenv,
  ) as ComposeFile;
  return {
    ...Object.fromEntries(environmentOf(compose.services['secrets-check'] ?? {})),
    ...overrides,
  };
}

async function runCheck(env: Record<string, string>): Promise<Outcome> {
  try {
    const { stdout, stderr } = await execFileAsync('sh', [repoPath('deploy/check-secrets.sh')], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** .env.example with every change-me replaced by a random secret. */
async function filledEnv(): Promise<Record<string, string>> {
  const env = Object.fromEntries(await readEnvExample());
  for (const [name, value] of Object.entries(env)) {
    if (value.includes('change-me')) env[name] = randomBytes(24).toString('hex');
  }
  return env;
}

/** The variables the script names, in order. */
const named = (stderr: string): string[] =>
  [...stderr.matchAll(/^([A-Z_]+): /gm)].map((m) => m[1] as string);

describe('secrets-check (deploy/check-secrets.sh)', () => {
  it('refuses .env.example as it is, naming every secret and printing none', async () => {
    const outcome = await runCheck(await serviceEnv(Object.fromEntries(await readEnvExample())));
    expect(outcome.code).toBe(1);
    expect(named(outcome.stderr).sort()).toEqual([
      'APP_DB_PASSWORD',
      'ENROLLMENT_KEY',
      'GRAFANA_ADMIN_PASSWORD',
      'GRAFANA_DB_PASSWORD',
      'GRAFANA_STUDY_DB_PASSWORD',
      'POSTGRES_PASSWORD',
      'WRITER_DB_PASSWORD',
    ]);
    expect(outcome.stderr).toMatch(/POSTGRES_PASSWORD: is a placeholder/);
    expect(outcome.stderr).not.toMatch(/change-me/);
  });

  it('lets the stack start with real secrets', async () => {
    const outcome = await runCheck(await serviceEnv(await filledEnv()));
    expect(outcome).toMatchObject({ code: 0, stderr: '' });
    expect(outcome.stdout).toMatch(/every secret is set/);
  });

  it.each([
    ['Change_Me-0123456789abcdef', 'is a placeholder'],
    ['CHANGEME0123456789abcdef', 'is a placeholder'],
    ['hunter2-hunter2', 'is shorter than 16 characters'],
    ['', 'is empty'],
  ])('refuses %o', async (value, problem) => {
    const outcome = await runCheck(
      await serviceEnv(await filledEnv(), { GRAFANA_ADMIN_PASSWORD: value }),
    );
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain(`GRAFANA_ADMIN_PASSWORD: ${problem}`);
    expect(named(outcome.stderr)).toEqual(['GRAFANA_ADMIN_PASSWORD']);
  });

  it('takes an empty ENROLLMENT_KEY only with OPEN_REGISTRATION=true', async () => {
    const dotenv = { ...(await filledEnv()), ENROLLMENT_KEY: '' };
    const closed = await runCheck(await serviceEnv(dotenv));
    expect(closed.code).toBe(1);
    expect(closed.stderr).toContain('ENROLLMENT_KEY: is empty');
    const open = await runCheck(await serviceEnv({ ...dotenv, OPEN_REGISTRATION: 'true' }));
    expect(open.code).toBe(0);
  });

  it('refuses a SECRETS entry that is not a variable name', async () => {
    // The script reads each variable with eval: only plain names may reach it.
    for (const entry of ['NOT-A-NAME', '1ABC', 'A}B']) {
      const outcome = await runCheck({ SECRETS: `POSTGRES_PASSWORD ${entry}` });
      expect(outcome.code, entry).toBe(2);
      expect(outcome.stderr).toContain(`SECRETS: "${entry}" is not a variable name`);
    }
  });
});
