/** The part of autocannon (no bundled types) that bench/small-requests.ts uses. */
declare module 'autocannon' {
  interface Options {
    url: string;
    method?: string;
    connections?: number;
    duration?: number;
    timeout?: number;
    requests?: Array<{
      setupRequest?: (req: Record<string, unknown>, context: Record<string, unknown>) => unknown;
    }>;
  }
  interface Result {
    '2xx': number;
    non2xx: number;
    errors: number;
    timeouts: number;
    latency: { p50: number; p99: number; average: number; max: number };
  }
  function autocannon(opts: Options): Promise<Result>;
  export default autocannon;
}
