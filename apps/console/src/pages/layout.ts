import { html, type SafeHtml } from '../html';
import type { Session } from '../sessions/session-store';
import { AUDITOR_SCOPE } from '../deployment-contract';

/** Every page: one stylesheet from this origin, no script, readable on a phone. */
export function layout(title: string, body: SafeHtml, session?: Session): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Approvals console</title>
<link rel="stylesheet" href="/console.css">
</head>
<body>
<a class="skip" href="#main">Skip to the content</a>
<header>
  <a class="brand" href="/approvals">Approvals console</a>
  ${
    session
      ? html`<nav aria-label="Main"><a href="/approvals">Pending</a> <a href="/mine">My requests</a>${session.scopes.has(AUDITOR_SCOPE) ? html` <a href="/audit">Audit</a>` : ''}</nav>
  <form method="post" action="/sign-out" class="sign-out">
    <input type="hidden" name="csrf" value="${session.csrf}">
    <span>${session.name === session.subject ? session.subject : `${session.name} (${session.subject})`}</span> <button type="submit">Sign out</button>
  </form>`
      : ''
  }
</header>
<main id="main">
${body}
</main>
</body>
</html>
`.text;
}

/** A page that says what went wrong and what to do, with its status. */
export function messagePage(title: string, message: string, session?: Session, link?: { href: string; text: string }): string {
  return layout(title, html`<h1>${title}</h1><p role="alert">${message}</p>${link ? html`<p><a href="${link.href}">${link.text}</a></p>` : ''}`, session);
}
