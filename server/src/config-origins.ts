/**
 * The origins CORS_ORIGINS may list, as browsers send them in Origin. Chromium
 * browsers derive an extension's id from its key: the same for every install
 * from one store. Firefox and Safari give each install an id of its own (a
 * random UUID), so for them `moz-extension://*` and `safari-web-extension://*`
 * admit every install: a deliberate choice, written in the configuration.
 */
const EXTENSION_ORIGIN_FORMS: ReadonlyArray<readonly [scheme: string, id: RegExp, form: string]> = [
  ['chrome-extension', /^[a-p]{32}$/, 'chrome-extension://<32 letters a-p>'],
  [
    'moz-extension',
    /^(\*|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/,
    'moz-extension://<install UUID> or moz-extension://*',
  ],
  [
    'safari-web-extension',
    /^(\*|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})$/,
    'safari-web-extension://<install UUID> or safari-web-extension://*',
  ],
];

/** Why `origin` cannot be in CORS_ORIGINS, or undefined when it can. */
export function extensionOriginProblem(origin: string): string | undefined {
  const match = /^([a-z-]+):\/\/(.*)$/.exec(origin);
  const form = EXTENSION_ORIGIN_FORMS.find(([scheme]) => scheme === match?.[1]);
  const forms = EXTENSION_ORIGIN_FORMS.map(([, , f]) => f).join(', ');
  if (match === null || form === undefined) {
    return `"${origin}" is not a browser-extension origin (${forms})`;
  }
  if (!form[1].test(match[2] as string)) return `"${origin}" is not of the form ${form[2]}`;
  return undefined;
}
