/**
 * A minimal Dockerfile reader for the tests: instructions with continuation lines joined and
 * comments dropped, grouped into build stages. Enough to check the structure, not a parser
 * for every Dockerfile feature (heredocs, parser directives other than comments).
 */

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  /** The `AS name`, if any. */
  name: string | undefined;
  base: string;
  instructions: Instruction[];
}

export function parseInstructions(text: string): Instruction[] {
  const logical: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    if (line.trimEnd().endsWith('\\')) {
      current += `${line.trimEnd().slice(0, -1)} `;
      continue;
    }
    current += line;
    if (current.trim() !== '') logical.push(current.trim());
    current = '';
  }
  return logical.map((line) => {
    const [keyword = '', ...rest] = line.split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
  });
}

export function parseStages(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of parseInstructions(text)) {
    if (instruction.keyword === 'FROM') {
      const match = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      stages.push({ base: match?.[1] ?? '', name: match?.[2], instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

export interface Copy {
  /** The --from stage, or undefined for a copy from the build context. */
  from: string | undefined;
  sources: string[];
  destination: string;
}

/** COPY instructions in shell form (`COPY [--flag...] src... dest`). */
export function parseCopy(instruction: Instruction): Copy {
  const words = instruction.args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1), destination: paths.at(-1) ?? '' };
}

/** The words of an exec-form instruction (`CMD ["node", "x"]`), flags before it skipped. */
export function execForm(args: string): string[] {
  const json = args.slice(args.indexOf('['));
  return JSON.parse(json) as string[];
}
