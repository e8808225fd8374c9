// Types for scripts/setup-plan.mjs (plain JavaScript so it runs before any dependency is installed).

export declare const SYSTEM_PACKAGES: ReadonlyArray<{ name: string; why: string }>;
export declare const EXTRA_SOURCES: Readonly<Record<string, string>>;
export declare const NPM_CI: readonly string[];

export declare function npmDependenciesState(state: {
  lock: string | null;
  installed: string | null;
  nodeModules: boolean;
}): { upToDate: boolean; reason: string };

export declare function parseDpkgInstalled(output: string): Set<string>;
export declare function parseAptCandidates(output: string): Set<string>;
export declare function isUbuntu(osRelease: string): boolean;

export type SystemPackagesPlan =
  | { action: 'proceed'; message: string }
  | { action: 'install'; message: string; sudo: boolean }
  | { action: 'stop'; message: string };

export declare function planSystemPackages(situation: {
  missing: string[];
  apt: boolean;
  privilege: 'root' | 'sudo' | 'none';
  sudoInstalled: boolean;
  ubuntu: boolean;
}): SystemPackagesPlan;

export declare function planAfterUpdate(situation: { missing: string[]; available: Set<string> }): {
  install: string[];
  stop: string | null;
};

export declare function pretendMissing(value: string | undefined): Set<string>;
