/** The console's one stylesheet, served from this origin (CSP: style-src 'self'); in the module, so that the Lambda bundle carries it. */
export const STYLESHEET = `:root { color-scheme: light; --ink: #1a1a1a; --muted: #4a4a4a; --line: #c8c8c8; --accent: #0b5cad; --danger: #a4161a; --ok: #1b6e32; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #fff; }
header { display: flex; flex-wrap: wrap; gap: .75rem 1.5rem; align-items: center; padding: .75rem 1rem; border-bottom: 1px solid var(--line); }
header .brand { font-weight: 700; color: var(--ink); text-decoration: none; }
header nav { display: flex; gap: 1rem; }
header nav a { color: var(--accent); }
header .sign-out { margin-left: auto; display: flex; gap: .5rem; align-items: center; color: var(--muted); }
main { padding: 1rem; max-width: 60rem; }
a { color: var(--accent); }
a:focus, button:focus, textarea:focus, select:focus { outline: 3px solid #ffbf47; outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; color: var(--muted); padding-bottom: .5rem; }
th, td { text-align: left; padding: .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
dl.facts, dl.arguments { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
pre, code { font-family: ui-monospace, monospace; font-size: .9rem; white-space: pre-wrap; overflow-wrap: anywhere; }
.status { display: inline-block; padding: 0 .4rem; border: 1px solid var(--line); border-radius: .25rem; }
.status-tampered, .status-failed, .status-rejected { color: var(--danger); border-color: var(--danger); }
.status-executed, .status-approved { color: var(--ok); border-color: var(--ok); }
.notice { border-left: 4px solid var(--accent); padding: .5rem .75rem; background: #eef4fb; }
form.decision { margin: 1rem 0; display: grid; gap: .5rem; max-width: 36rem; }
button { font: inherit; padding: .5rem 1rem; border-radius: .25rem; border: 1px solid var(--ink); background: #fff; cursor: pointer; min-height: 44px; }
button.approve { background: var(--ok); color: #fff; border-color: var(--ok); }
button.reject { background: var(--danger); color: #fff; border-color: var(--danger); }
textarea { font: inherit; padding: .5rem; width: 100%; }
@media (max-width: 40rem) { dl.facts, dl.arguments { grid-template-columns: 1fr; } header .sign-out { margin-left: 0; } }
/* On a phone, each row of a list becomes a card: label beside value, nothing to scroll sideways. */
@media (max-width: 40rem) {
  table.cards thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; }
  table.cards tr { border: 1px solid var(--line); border-radius: .25rem; margin-bottom: .75rem; }
  table.cards td { border: 0; display: grid; grid-template-columns: 8rem 1fr; gap: .5rem; }
  table.cards td::before { content: attr(data-label); font-weight: 600; }
  table.cards td > * { justify-self: start; }
  table caption { display: block; }
  table { display: block; overflow-x: auto; }
}
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem; }
.skip:focus { left: .5rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.warning { border-left: 4px solid var(--danger); padding: .5rem .75rem; background: #fbeeee; }
form.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; margin-bottom: 1rem; }
select { font: inherit; padding: .4rem; min-height: 44px; }
table.changes { margin: 1rem 0; max-width: 36rem; }
form.search { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: .5rem 1rem; align-items: end; margin-bottom: 1rem; }
form.search p { margin: 0; display: grid; gap: .25rem; }
input { font: inherit; padding: .4rem; min-height: 44px; border: 1px solid var(--muted); border-radius: .25rem; }
input:focus { outline: 3px solid #ffbf47; outline-offset: 2px; }
.hint { color: var(--muted); font-size: .875rem; }
`;
