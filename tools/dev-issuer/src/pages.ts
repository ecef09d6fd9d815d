import type { DevUser } from './dev-users';

/** Served at {@link STYLESHEET_PATH}; pages carry no inline style or script (see PAGE_HEADERS). */
export const STYLESHEET_PATH = '/assets/dev-issuer.css';

export const STYLESHEET = `
:root { color-scheme: light; font-family: system-ui, sans-serif; line-height: 1.5; color: #1a1a1a; background: #fff; }
body { margin: 0; }
.banner { background: #7a1f00; color: #fff; padding: .6rem 1rem; font-weight: 600; }
main { max-width: 38rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.4rem; }
fieldset { border: 1px solid #888; border-radius: .4rem; padding: .5rem 1rem; }
.choice { display: flex; gap: .6rem; align-items: flex-start; padding: .5rem 0; border-bottom: 1px solid #ddd; }
.choice:last-child { border-bottom: 0; }
.choice input { margin-top: .35rem; width: 1.2rem; height: 1.2rem; }
.hint, .scopes { display: block; color: #444; font-size: .9rem; }
code { font-size: .9rem; overflow-wrap: anywhere; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
ul.scopes-asked { padding-left: 0; list-style: none; }
ul.scopes-asked li { padding: .3rem 0; }
.granted::before { content: "\\2713  "; color: #0a6b2d; font-weight: 700; }
.withheld::before { content: "\\2717  "; color: #a00; font-weight: 700; }
.actions { display: flex; flex-wrap: wrap; gap: .8rem; margin-top: 1.2rem; }
button { font: inherit; padding: .6rem 1.4rem; border-radius: .4rem; border: 2px solid #0b4f9c; background: #0b4f9c; color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: #0b4f9c; }
button:focus-visible, input:focus-visible { outline: 3px solid #f0a000; outline-offset: 2px; }
.error { border-left: 4px solid #a00; padding-left: 1rem; }
`;

/** No script, no framing (a consent page in a frame invites clickjacking), styles from this origin only. */
export const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  // same-origin, not no-referrer: under no-referrer a browser posts the forms with `Origin: null`, which the forms refuse.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
} as const;

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · development issuer</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<div class="banner" role="note">Development issuer — not for production. Anyone can sign in as any user of config/dev-users.json, with no password.</div>
<main>
${body}
</main>
</body>
</html>`;
}

/** Who is asking, for what, and where the answer goes: shown on both pages. */
export interface RequestSummary {
  uid: string;
  clientName: string;
  clientId: string;
  redirectHost: string;
  serverName: string;
  resource: string;
  scopes: readonly string[];
}

function summary(request: RequestSummary): string {
  return `<dl>
<dt>Assistant</dt><dd>${escapeHtml(request.clientName)}<br><code>${escapeHtml(request.clientId)}</code></dd>
<dt>Answer goes to</dt><dd><code>${escapeHtml(request.redirectHost)}</code></dd>
<dt>MCP server</dt><dd>${escapeHtml(request.serverName)}<br><code>${escapeHtml(request.resource)}</code></dd>
</dl>`;
}

function cancelForm(uid: string, label: string): string {
  return `<form method="post" action="/interaction/${escapeHtml(uid)}/abort"><button type="submit" class="secondary">${escapeHtml(label)}</button></form>`;
}

export function renderLoginPage(request: RequestSummary, users: readonly DevUser[]): string {
  if (users.length === 0) {
    return layout('Sign in', `<h1>Sign in</h1>\n${summary(request)}\n<p class="error" role="alert">No development user is configured: this issuer was started without config/dev-users.json.</p>\n${cancelForm(request.uid, 'Return to the assistant')}`);
  }
  const choices = users
    .map(
      (user) => `<div class="choice">
<input type="radio" name="user" id="user-${escapeHtml(user.id)}" value="${escapeHtml(user.id)}" required>
<label for="user-${escapeHtml(user.id)}"><strong>${escapeHtml(user.name)}</strong> (${escapeHtml(user.id)})
<span class="hint">${escapeHtml(user.role)}</span>
<span class="scopes">${user.scopes.length ? `Holds: ${escapeHtml(user.scopes.join(', '))}` : 'Holds no scope'}</span></label>
</div>`,
    )
    .join('\n');
  return layout(
    'Sign in',
    `<h1>Sign in</h1>
<p>An assistant asks to call an MCP server of the platform as you.</p>
${summary(request)}
<form method="post" action="/interaction/${escapeHtml(request.uid)}/login">
<fieldset>
<legend>Choose a development user</legend>
${choices}
</fieldset>
<div class="actions"><button type="submit">Sign in</button></div>
</form>
${cancelForm(request.uid, 'Cancel')}`,
  );
}

export function renderConsentPage(request: RequestSummary, user: DevUser, granted: readonly string[]): string {
  const items = request.scopes
    .map((scope) =>
      granted.includes(scope)
        ? `<li class="granted"><code>${escapeHtml(scope)}</code> — granted</li>`
        : `<li class="withheld"><code>${escapeHtml(scope)}</code> — not granted: ${escapeHtml(user.name)} does not hold it</li>`,
    )
    .join('\n');
  const decision = granted.length
    ? `<div class="actions"><form method="post" action="/interaction/${escapeHtml(request.uid)}/consent"><button type="submit">Allow</button></form>${cancelForm(request.uid, 'Deny')}</div>`
    : `<p class="error">${escapeHtml(user.name)} holds none of the permissions asked for: the assistant gets no token.</p><div class="actions"><form method="post" action="/interaction/${escapeHtml(request.uid)}/consent"><button type="submit" class="secondary">Return to the assistant</button></form></div>`;
  return layout(
    'Allow access',
    `<h1>Allow ${escapeHtml(request.clientName)} to act as ${escapeHtml(user.name)}?</h1>
${summary(request)}
<h2>Permissions asked</h2>
<ul class="scopes-asked">
${items || '<li>No permission on this server (the token will carry none)</li>'}
</ul>
${decision}`,
  );
}

export function renderErrorPage(problem: { error: string; description: string; detail?: string }): string {
  return layout(
    'Sign-in error',
    `<h1>This sign-in cannot go on</h1>
<div class="error" role="alert">
<p><code>${escapeHtml(problem.error)}</code>: ${escapeHtml(problem.description || 'the request was refused')}</p>
${problem.detail ? `<p>${escapeHtml(problem.detail)}</p>` : ''}
</div>
<p>Start again from your assistant.</p>`,
  );
}
