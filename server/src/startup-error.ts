/**
 * A start-up failure whose message is already what the operator should read:
 * what is wrong and what to do, in a sentence or two. Entry points print it as
 * it is (other errors they describe by where and how they failed).
 */
export class StartupError extends Error {
  override name = 'StartupError';
}
