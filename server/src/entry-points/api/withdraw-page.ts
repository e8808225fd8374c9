/**
 * GET /withdraw: the page where a person erases what their browser sent, with the link the
 * extension gives them (its uninstall URL, its "leave the study" button):
 * /withdraw#d=<deviceId>&s=<withdrawalSecret>. The id and secret are in the fragment, which
 * browsers never send: they reach no access log, no proxy and no Referer. The page reads them
 * with its script, says what will be erased, and erases only when its one button is pressed
 * (POST /api/v1/withdraw). It loads nothing: one inline script and one inline style, each
 * allowed by its hash in a CSP that allows nothing else; it echoes nothing from the request.
 * Without JavaScript the page cannot read the fragment: it says so (<noscript>) and erases
 * nothing.
 */
import { createHash } from 'node:crypto';

const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem; color: #1b1b1f; background: #fff; }
h1 { font-size: 1.5rem; }
button { font: inherit; padding: .6rem 1.2rem; border: 0; border-radius: .4rem; background: #b3261e; color: #fff; cursor: pointer; }
button:disabled { background: #9a9a9a; cursor: default; }
code { word-break: break-all; }
.note { padding: .8rem 1rem; border-radius: .4rem; background: #f3f3f6; }
`;

const SCRIPT = `
(function () {
  var params = new URLSearchParams(location.hash.slice(1));
  var deviceId = params.get('d');
  var secret = params.get('s');
  var status = document.getElementById('status');
  var button = document.getElementById('erase');
  function say(text) { status.textContent = text; }
  // The secret stays in this page's memory only: not in the address bar or the history.
  if (location.hash) history.replaceState(null, '', location.pathname);
  if (!deviceId || !secret) {
    document.getElementById('nolink').hidden = false;
    return;
  }
  document.getElementById('device').textContent = deviceId;
  document.getElementById('ready').hidden = false;
  button.disabled = false;
  button.addEventListener('click', function () {
    button.disabled = true;
    say('Erasing\\u2026');
    fetch('/api/v1/withdraw', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ deviceId: deviceId, secret: secret }),
      credentials: 'omit',
      cache: 'no-store'
    }).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (body) {
        if (res.ok && body) {
          say(body.alreadyErased
            ? 'This browser\\u2019s data had already been erased from this server. Nothing is left to erase.'
            : 'Done: the server erased this browser\\u2019s record and its ' + body.deletedVisits + ' recorded visits. It will not accept anything more from it.');
          return;
        }
        if (res.status === 403) {
          say('This link is not valid on this server: nothing was erased. Use \\u201cLeave the study\\u201d in the extension\\u2019s options, or ask the study\\u2019s administrator.');
          return;
        }
        var wait = res.headers.get('retry-after');
        say(res.status === 429
          ? 'Too many attempts from your network. Nothing was erased yet; wait ' + (wait || '60') + ' seconds and press the button again.'
          : 'The server could not erase now (' + res.status + '). Nothing was erased; press the button again later.');
        button.disabled = false;
      });
    }, function () {
      say('The server could not be reached. Nothing was erased; check your connection and press the button again.');
      button.disabled = false;
    });
  });
})();
`;

const sha256 = (text: string): string =>
  `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Nothing may load but the page's own inline style and script; it may only POST to itself. */
export const WITHDRAW_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "img-src 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export const WITHDRAW_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>Leave the study: erase this browser's data</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>Leave the study</h1>
<p>This page erases, from this server, everything the Tracksphere extension in one browser sent
to it: the browser's record (its label, browser and system names, cohort) and every visit it
recorded (sites, addresses and titles, times). Figures already shown in the study's aggregate
dashboards are computed afresh from what is left. Erasing cannot be undone.</p>
<noscript><p class="note"><strong>This page needs JavaScript, and nothing was erased.</strong>
The key to your browser's data is in the part of the link after “#”, which your browser never
sends to the server (so it is in no server log); only this page's script can read it. Turn
JavaScript on for this page and open the link again, or use “Leave the study” in the
extension's options, or ask the study's administrator to erase your browser.</p></noscript>
<div id="nolink" hidden><p class="note">This link does not say which browser to erase: open the
full link the extension gave you (it ends with <code>#d=…&amp;s=…</code>), or use “Leave the
study” in the extension's options.</p></div>
<div id="ready" hidden>
<p>Browser to erase: <code id="device"></code></p>
<p><button id="erase" type="button" disabled>Erase this browser's data</button></p>
</div>
<p id="status" role="status" aria-live="polite"></p>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
