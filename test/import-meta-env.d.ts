// The extension's modules read WXT's build-time env (import.meta.env.BROWSER); some node
// tests load them (test/extension/study-sync.test.ts), where Vite provides import.meta.env.
interface ImportMetaEnv {
  readonly BROWSER: string;
}
interface ImportMeta {
  readonly env: ImportMetaEnv;
}
