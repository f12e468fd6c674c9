import type { HtmlModel } from './html-model.js';
import { PAGE_SCRIPT } from './page-script.generated.js';

/**
 * The page allows inline style and script only: even a string that somehow became markup could
 * load nothing from the network and run nothing from elsewhere.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

const STYLE = `
:root { color-scheme: light dark; --fail: #c62828; --pass: #2e7d32; --muted: #667; --line: #ccd; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; padding: 1rem 1.5rem 4rem; max-width: 1400px; }
h1 { font-size: 1.5rem; margin-bottom: 0; }
h2 { border-bottom: 1px solid var(--line); padding-bottom: .2rem; margin-top: 2rem; }
.muted { color: var(--muted); }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border: 1px solid var(--line); padding: .2rem .5rem; text-align: left; vertical-align: top; }
th { background: rgba(127,127,160,.12); }
td[data-aggregate], td.score { font-variant-numeric: tabular-nums; text-align: right; }
tr.fail td, td.fail, tr.worse td:last-child, td.worse, .status-regressed { color: var(--fail); }
tr.pass td:nth-child(2), .status-improved { color: var(--pass); }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: .1rem 1rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.histograms { display: flex; flex-wrap: wrap; gap: 1rem; }
.histograms figure { margin: 0; width: 220px; }
.histograms figcaption { text-align: center; font-size: .85rem; }
svg.histogram { width: 220px; height: 74px; }
svg .bar { fill: #3f6fd8; } svg .bar-base { fill: #9aa; } svg .axis { stroke: #889; }
svg .tick { font-size: 7px; fill: #667; }
.controls { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; margin: .5rem 0; }
.controls input { min-width: 18rem; padding: .25rem; }
#sample-table tbody tr { cursor: pointer; }
#sample-table tbody tr:hover { background: rgba(127,127,200,.12); }
td.output { max-width: 40rem; white-space: pre-wrap; word-break: break-word; }
.pager { display: flex; gap: 1rem; align-items: center; }
#detail { border: 1px solid var(--line); padding: .5rem 1rem; margin-top: 1rem; }
#detail pre { white-space: pre-wrap; word-break: break-word; margin: 0; max-height: 24rem; overflow: auto; }
.side-by-side { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
`;

/**
 * The model as JSON that is safe inside a script element: every `<` is escaped, so no string in
 * it can close the element ("</script>") or open a comment.
 */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** One self-contained HTML page: style, script and data inline, no network request. */
export function renderHtmlPage(model: HtmlModel): string {
  const title = model.title.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${title}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main id="app"></main>',
    `<script type="application/json" id="eval-harness-data">${embedJson(model)}</script>`,
    `<script>${PAGE_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
