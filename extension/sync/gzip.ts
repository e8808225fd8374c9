/** Compresses a request body; null when the runtime has no CompressionStream. */
export type Compressor = (text: string) => Promise<Uint8Array<ArrayBuffer>>;

export async function gzipText(text: string): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Chrome 80+, Firefox 113+ and Node 18+ have CompressionStream; older runtimes send plain JSON. */
export function defaultCompressor(): Compressor | null {
  return typeof CompressionStream === 'function' ? gzipText : null;
}
