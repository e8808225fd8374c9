/**
 * docker-compose.yml and .env.example as the tests read them: Compose's variable syntax
 * (${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+alt}, $$), the
 * YAML with its anchors and merge keys resolved, and the env file's names and values.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { repoPath } from './repo-root.js';

export const COMPOSE_FILE = repoPath('docker-compose.yml');
export const ENV_EXAMPLE = repoPath('.env.example');

export type EnvironmentValue = string | number | boolean | null;

/** The part of a Compose service the tests look at (the schema test checks the whole file). */
export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, EnvironmentValue> | string[];
  volumes?: Array<string | { type?: string; source?: string; target?: string }>;
  ports?: unknown[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  restart?: string;
  read_only?: boolean;
  cap_drop?: string[];
  depends_on?: string[] | Record<string, { condition: string }>;
  networks?: string[] | Record<string, unknown>;
  network_mode?: string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  networks?: Record<string, unknown>;
}

// `$${` is an escaped dollar (left for the container's shell), hence the look-behind.
const REFERENCE = /(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}/g;
const BARE_REFERENCE = /(?<!\$)\$[A-Za-z_]/g;

/** Every string value of a parsed document (Compose interpolates values, not keys or comments). */
export function stringValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringValues);
  if (value !== null && typeof value === 'object')
    return Object.values(value).flatMap(stringValues);
  return [];
}

/** Every variable a parsed Compose document refers to, sorted. */
export function composeVariables(document: unknown): string[] {
  const names = stringValues(document).flatMap((text) =>
    [...text.matchAll(REFERENCE)].map((m) => m[1] as string),
  );
  return [...new Set(names)].sort();
}

/** `$NAME` references without braces (the tests require braces, so that none is missed). */
export function bareReferences(document: unknown): string[] {
  return stringValues(document).flatMap((text) =>
    [...text.matchAll(BARE_REFERENCE)].map((m) => m[0]),
  );
}

/** Interpolates a string the way Compose does, from `env`; throws where Compose would refuse. */
export function interpolate(text: string, env: Readonly<Record<string, string>>): string {
  return text
    .replace(REFERENCE, (_match, name: string, op: string | undefined, arg: string | undefined) => {
      const value = env[name];
      const unsetOrEmpty = value === undefined || value === '';
      switch (op) {
        case ':-':
          return unsetOrEmpty ? (arg ?? '') : value;
        case '-':
          return value ?? arg ?? '';
        case ':?':
          if (unsetOrEmpty) throw new Error(`compose: ${name}: ${arg}`);
          return value;
        case '?':
          if (value === undefined) throw new Error(`compose: ${name}: ${arg}`);
          return value;
        case ':+':
          return unsetOrEmpty ? '' : (arg ?? '');
        case '+':
          return value === undefined ? '' : (arg ?? '');
        default:
          return value ?? '';
      }
    })
    .replaceAll('$$', '$');
}

/** NAME=value lines of an env file (comments and blank lines skipped), in order. */
export function parseEnvFile(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match !== null) entries.set(match[1] as string, (match[2] as string).trim());
  }
  return entries;
}

export async function readComposeText(): Promise<string> {
  return readFile(COMPOSE_FILE, 'utf8');
}

export async function readEnvExample(): Promise<Map<string, string>> {
  return parseEnvFile(await readFile(ENV_EXAMPLE, 'utf8'));
}

/** The YAML document (anchors and `<<` merge keys resolved), not yet checked against a schema. */
export function parseComposeYaml(text: string): unknown {
  return parse(text, { merge: true });
}

/** Interpolates every string value of a parsed document (Compose leaves keys alone). */
export function interpolateValues(value: unknown, env: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((item) => interpolateValues(item, env));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateValues(item, env)]),
    );
  }
  return value;
}

/**
 * The document as `docker compose --env-file .env.example config` would see it: parsed, then
 * interpolated with .env.example's values. The schema test validates this before other tests
 * rely on its shape.
 */
export async function loadComposeDocument(): Promise<unknown> {
  const env = Object.fromEntries(await readEnvExample());
  return interpolateValues(parseComposeYaml(await readComposeText()), env);
}

export async function loadCompose(): Promise<ComposeFile> {
  return (await loadComposeDocument()) as ComposeFile;
}

/** A service's environment as a map (Compose allows a list of NAME=value too). */
export function environmentOf(service: ComposeService): Map<string, string> {
  const env = new Map<string, string>();
  if (Array.isArray(service.environment)) {
    for (const entry of service.environment) {
      const [name, ...rest] = entry.split('=');
      if (name !== undefined) env.set(name, rest.join('='));
    }
  } else {
    for (const [name, value] of Object.entries(service.environment ?? {})) {
      env.set(name, value === null ? '' : String(value));
    }
  }
  return env;
}

/** The networks a service joins (Compose's list or map form; none given: `default`). */
export function networksOf(service: ComposeService): string[] {
  if (service.network_mode !== undefined) return [];
  const networks = service.networks;
  if (networks === undefined) return ['default'];
  return Array.isArray(networks) ? networks : Object.keys(networks);
}

/** Names of the services others wait for with service_completed_successfully: the one-shots. */
export function oneShotServices(compose: ComposeFile): Set<string> {
  const oneShots = new Set<string>();
  for (const service of Object.values(compose.services)) {
    const deps = service.depends_on;
    if (deps === undefined || Array.isArray(deps)) continue;
    for (const [name, { condition }] of Object.entries(deps)) {
      if (condition === 'service_completed_successfully') oneShots.add(name);
    }
  }
  return oneShots;
}
