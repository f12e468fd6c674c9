/**
 * The script of an HTML report page, bundled at build time (scripts/build-page-script.mjs) into
 * one inline script. It reads the page model (html-model.ts) from the JSON data element and
 * draws everything with DOM calls: every string from a dataset, an output or a metric detail
 * goes through `textContent`, never `innerHTML`, so an output holding markup is shown as text and
 * never runs. The browser tests in test/reports/html-report.browser.test.ts exercise every
 * control.
 */
import type { HtmlDataset, HtmlModel } from '../html-model.js';
import {
  COMPARE_COLUMNS,
  RUN_COLUMNS,
  fieldReader,
  type CompareSampleFields,
  type RunSampleFields,
  type SampleRow,
} from '../sample-columns.js';

/** The fields both row kinds have, read the same way on either page. */
interface SharedFields {
  readonly dataset: number;
  readonly id: string;
  readonly tags: string[];
  readonly output: string | null;
  readonly scores: (number | null)[];
  readonly details: unknown[];
  readonly passLines: (number | null)[];
}

type Props = Record<string, string | undefined>;

const PAGE_SIZE = 50;
/** The default pass line; a row carries its own where a metric or sample sets one. */
const PASS = 0.5;
const SVG = 'http://www.w3.org/2000/svg';
const AGGREGATES = ['mean', 'p50', 'p95', 'pass_rate'] as const;

const data = JSON.parse(byId('eval-harness-data').textContent ?? 'null') as HtmlModel;
const compare = data.kind === 'compare';
const shared = fieldReader<SharedFields>(
  (compare ? COMPARE_COLUMNS : RUN_COLUMNS) as readonly (keyof SharedFields)[],
);
const runField = fieldReader<RunSampleFields>(RUN_COLUMNS);
const compareField = fieldReader<CompareSampleFields>(COMPARE_COLUMNS);

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  children?: readonly (Node | null)[],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'className') node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children ?? []) if (child) node.appendChild(child);
  return node;
}

function svg(tag: string, attributes: Record<string, string>, text?: string): SVGElement {
  const node = document.createElementNS(SVG, tag) as SVGElement;
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function fmt(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : value.toFixed(4);
}

function signed(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : (value >= 0 ? '+' : '') + value.toFixed(4);
}

function table(id: string | null, headers: readonly string[], rows: readonly Node[]) {
  const head = el(
    'tr',
    null,
    headers.map((header) => el('th', { text: header })),
  );
  return el('table', id ? { id } : null, [el('thead', null, [head]), el('tbody', null, rows)]);
}

function cell(text: string, attributes?: Props): HTMLTableCellElement {
  return el('td', { ...attributes, text });
}

const root = byId('app');
root.appendChild(el('h1', { text: data.title }));
root.appendChild(el('p', { className: 'muted', text: data.generator }));

if (data.gates.length > 0) {
  root.appendChild(el('h2', { text: 'Gates' }));
  root.appendChild(
    table(
      'gates',
      ['gate', 'result', 'detail'],
      data.gates.map((gate) =>
        el('tr', { className: gate.passed ? 'pass' : 'fail' }, [
          cell(gate.label),
          cell(gate.passed ? 'pass' : 'FAIL'),
          cell(gate.detail),
        ]),
      ),
    ),
  );
}

/** Ten bars over [0, 1]; with `base`, each bucket shows the base bar beside the head bar. */
function histogram(counts: readonly number[], base: readonly number[] | undefined): SVGElement {
  const max = Math.max(1, ...counts, ...(base ?? []));
  const chart = svg('svg', { viewBox: '0 0 200 66', class: 'histogram' });
  counts.forEach((count, i) => {
    const bars: [number | null, string, number][] = [
      [base ? (base[i] ?? 0) : null, 'bar-base', 0],
      [count, 'bar', base ? 10 : 0],
    ];
    for (const [value, kind, offset] of bars) {
      if (value === null) continue;
      const height = Math.round((value / max) * 54);
      const range = `${(i / 10).toFixed(1)}-${((i + 1) / 10).toFixed(1)}`;
      const rect = svg('rect', {
        x: String(i * 20 + 1 + offset),
        y: String(56 - height),
        width: String(base ? 8 : 18),
        height: String(height),
        class: kind,
      });
      rect.appendChild(svg('title', {}, `${kind === 'bar-base' ? 'base ' : ''}${range}: ${value}`));
      chart.appendChild(rect);
    }
  });
  chart.appendChild(svg('line', { x1: '0', x2: '200', y1: '56.5', y2: '56.5', class: 'axis' }));
  const ticks: [string, number, string][] = [
    ['0', 0, 'start'],
    ['0.5', 100, 'middle'],
    ['1', 200, 'end'],
  ];
  for (const [label, x, anchor] of ticks)
    chart.appendChild(
      svg('text', { x: String(x), y: '64', 'text-anchor': anchor, class: 'tick' }, label),
    );
  return chart;
}

function comparisonSection(section: HTMLElement, ds: HtmlDataset, d: number): void {
  const cmp = ds.comparison;
  if (!cmp) return;
  section.appendChild(el('h3', { text: 'Comparison with the base run' }));
  const rows: Node[] = [];
  for (const metric of Object.keys(cmp.metrics))
    for (const aggregate of AGGREGATES) {
      const value = cmp.metrics[metric]?.[aggregate];
      if (value === undefined) continue;
      rows.push(
        el('tr', { className: value.delta !== null && value.delta < 0 ? 'worse' : '' }, [
          cell(metric),
          cell(aggregate),
          cell(fmt(value.base)),
          cell(fmt(value.head)),
          cell(signed(value.delta), {
            'data-metric': metric,
            'data-aggregate': aggregate,
            'data-delta': '',
          }),
        ]),
      );
    }
  const f1 = cmp.macro_f1;
  rows.push(
    el('tr', { className: f1.delta !== null && f1.delta < 0 ? 'worse' : '' }, [
      cell('macro_f1'),
      cell('-'),
      cell(fmt(f1.base)),
      cell(fmt(f1.head)),
      cell(signed(f1.delta), { 'data-macro-f1-delta': '' }),
    ]),
  );
  section.appendChild(
    table(`comparison-${d}`, ['metric', 'aggregate', 'base', 'head', 'delta'], rows),
  );
  if (ds.verdicts.length > 0) {
    section.appendChild(el('h4', { text: 'Is the change real?' }));
    section.appendChild(
      el(
        'ul',
        { id: `verdicts-${d}` },
        ds.verdicts.map((line) =>
          el('li', { text: line, className: / worse[,(]/.test(line) ? 'worse' : '' }),
        ),
      ),
    );
  }
  const crossings: [string, typeof cmp.samples.regressed][] = [
    ['Regressed samples', cmp.samples.regressed],
    ['Improved samples', cmp.samples.improved],
  ];
  for (const [title, list] of crossings) {
    if (list.length === 0) continue;
    // Counted in samples, like the gate; a sample that crossed on two metrics has two rows.
    const distinct = new Set(list.map((crossing) => crossing.id)).size;
    section.appendChild(el('h3', { text: `${title} (${distinct})` }));
    section.appendChild(
      table(
        null,
        ['sample', 'metric', 'base', 'head'],
        list
          .slice(0, 20)
          .map((c) =>
            el('tr', null, [cell(c.id), cell(c.metric), cell(fmt(c.base)), cell(fmt(c.head))]),
          ),
      ),
    );
    if (list.length > 20)
      section.appendChild(
        el('p', {
          className: 'muted',
          text: `and ${list.length - 20} more: filter the samples by status below.`,
        }),
      );
  }
  if (cmp.cohorts.length > 0) {
    const cohortMetrics = Object.keys(cmp.metrics);
    section.appendChild(el('h3', { text: 'Cohorts (mean, base → head)' }));
    section.appendChild(
      table(
        `cohort-deltas-${d}`,
        ['tag', ...cohortMetrics],
        cmp.cohorts.map((cohort) =>
          el('tr', null, [
            cell(cohort.tag),
            ...cohortMetrics.map((metric) => {
              const value = cohort.metrics[metric]?.mean;
              return value
                ? cell(`${fmt(value.base)} → ${fmt(value.head)} (${signed(value.delta)})`, {
                    className: value.delta !== null && value.delta < 0 ? 'worse' : '',
                  })
                : cell('n/a');
            }),
          ]),
        ),
      ),
    );
  }
  const lists: [string, readonly string[]][] = [
    ['only in base', cmp.samples.only_in_base],
    ['only in head', cmp.samples.only_in_head],
    ['failures added', cmp.failures.added.map((f) => `${f.sample_id} (${f.metric})`)],
    ['failures resolved', cmp.failures.resolved.map((f) => `${f.sample_id} (${f.metric})`)],
  ];
  for (const [label, ids] of lists) {
    if (ids.length === 0) continue;
    const shown =
      ids.slice(0, 20).join(', ') + (ids.length > 20 ? ` and ${ids.length - 20} more` : '');
    section.appendChild(el('p', { text: `${label} (${ids.length}): ${shown}` }));
  }
}

data.datasets.forEach((ds, d) => {
  const section = el('section', { className: 'dataset', 'data-dataset': ds.name });
  section.appendChild(el('h2', { text: ds.name }));
  section.appendChild(
    el('dl', { className: 'facts' }, [
      ...ds.facts.flatMap(([term, value]) => [el('dt', { text: term }), el('dd', { text: value })]),
      el('dt', { text: 'macro-F1' }),
      el('dd', { text: fmt(ds.macroF1), 'data-macro-f1': '' }),
    ]),
  );
  const aggregates = ds.aggregates;
  if (aggregates) {
    section.appendChild(el('h3', { text: 'Per-metric aggregates' }));
    section.appendChild(
      table(
        `aggregates-${d}`,
        ['metric', 'mean', 'p50', 'p95', 'pass rate'],
        Object.entries(aggregates).map(([metric, aggregate]) =>
          el('tr', null, [
            cell(metric),
            ...AGGREGATES.map((key) =>
              cell(fmt(aggregate[key]), { 'data-metric': metric, 'data-aggregate': key }),
            ),
          ]),
        ),
      ),
    );
  }
  comparisonSection(section, ds, d);
  const names = Object.keys(ds.histograms);
  if (names.length > 0) {
    section.appendChild(
      el('h3', { text: `Score distributions${compare ? ' (grey: base, blue: head)' : ''}` }),
    );
    section.appendChild(
      el(
        'div',
        { className: 'histograms' },
        names.map((metric) => {
          const counts = ds.histograms[metric] as { head: number[]; base?: number[] };
          return el('figure', null, [
            histogram(counts.head, counts.base),
            el('figcaption', { text: metric }),
          ]);
        }),
      ),
    );
  }
  if (ds.cohorts.length > 0) {
    const metrics = Object.keys(ds.aggregates ?? {});
    section.appendChild(el('h3', { text: 'Cohorts (mean)' }));
    section.appendChild(
      table(
        `cohorts-${d}`,
        ['tag', 'samples', ...metrics],
        ds.cohorts.map((cohort) =>
          el('tr', null, [
            cell(cohort.label),
            cell(String(cohort.samples)),
            ...metrics.map((metric) => cell(fmt(cohort.means[metric]))),
          ]),
        ),
      ),
    );
  }
  root.appendChild(section);
});

// The sample table: search, filters, sort and paging over the index list `state.view`.
const rows = data.samples;
const tags = new Set<string>();
for (const row of rows) for (const tag of shared(row, 'tags')) tags.add(tag);

function options(id: string, label: string, entries: readonly (readonly [string, string])[]) {
  return el('label', null, [
    document.createTextNode(`${label} `),
    el(
      'select',
      { id },
      entries.map(([value, text]) => el('option', { value, text })),
    ),
  ]);
}

const metricOptions = data.metrics.map((metric, i) => [String(i), metric] as const);
const controls = el('div', { className: 'controls' }, [
  el('input', {
    id: 'search',
    type: 'search',
    placeholder: 'Search id, tags, output',
    'aria-label': 'search',
  }),
  options('failing', 'failing', [['', 'any or none'], ['any', 'any metric'], ...metricOptions]),
  options('tag', 'tag', [['', 'all'], ...[...tags].sort().map((tag) => [tag, tag] as const)]),
  data.datasets.length > 1
    ? options('dataset', 'dataset', [
        ['', 'all'],
        ...data.datasets.map((ds, i) => [String(i), ds.name] as const),
      ])
    : null,
  compare
    ? options('status', 'status', [
        ['', 'all'],
        ['regressed', 'regressed'],
        ['improved', 'improved'],
        ['unchanged', 'unchanged'],
        ['base-only', 'only in base'],
        ['head-only', 'only in head'],
      ])
    : null,
  options('sort', 'sort by', [
    ['', 'report order'],
    ['id', 'id'],
    ...data.metrics.flatMap((metric, i) => [
      [`${i}:asc`, `${metric} (lowest first)`] as const,
      [`${i}:desc`, `${metric} (highest first)`] as const,
    ]),
  ]),
]);
const head = [
  'sample',
  'dataset',
  'tags',
  ...(compare ? ['status'] : ['expected', 'output']),
  ...data.metrics.map((metric) => (compare ? `${metric} (base → head)` : metric)),
];
if (data.datasets.length < 2) head.splice(1, 1);
const tbody = el('tbody', { id: 'sample-rows' });
const info = el('span', { id: 'page-info' });
const prev = el('button', { id: 'prev', type: 'button', text: 'Previous' });
const next = el('button', { id: 'next', type: 'button', text: 'Next' });
const detail = el('section', { id: 'detail', hidden: '' });
root.appendChild(
  el('section', { id: 'samples' }, [
    el('h2', { text: 'Samples' }),
    ...(data.rowsNote === undefined
      ? []
      : [el('p', { id: 'rows-note', className: 'muted', text: data.rowsNote })]),
    controls,
    el('table', { id: 'sample-table' }, [
      el('thead', null, [
        el(
          'tr',
          null,
          head.map((text) => el('th', { text })),
        ),
      ]),
      tbody,
    ]),
    el('div', { className: 'pager' }, [prev, info, next]),
    detail,
  ]),
);

let haystacks: string[] | null = null;
const state: { page: number; view: number[] } = { page: 0, view: [] };

function failingAt(row: SampleRow, i: number): boolean {
  const score = shared(row, 'scores')[i] ?? null;
  if (!compare && (runField(row, 'errors')[i] ?? null) !== null) return true;
  const line = shared(row, 'passLines')?.[i] ?? null;
  return score !== null && score < (line ?? PASS);
}

/** The value of a select that only some pages have; '' when it is absent. */
function selected(id: string): string {
  return document.getElementById(id) === null ? '' : byId<HTMLSelectElement>(id).value;
}

function applyFilters(): void {
  const query = byId<HTMLInputElement>('search').value.trim().toLowerCase();
  const failing = selected('failing');
  const tag = selected('tag');
  const dataset = selected('dataset');
  const status = selected('status');
  if (query !== '' && haystacks === null) {
    haystacks = rows.map((row) =>
      `${shared(row, 'id')}\n${shared(row, 'tags').join(' ')}\n${shared(row, 'output') ?? ''}\n${compare ? (compareField(row, 'baseOutput') ?? '') : ''}`.toLowerCase(),
    );
  }
  const view: number[] = [];
  rows.forEach((row, i) => {
    if (query !== '' && !(haystacks?.[i] ?? '').includes(query)) return;
    if (tag !== '' && !shared(row, 'tags').includes(tag)) return;
    if (dataset !== '' && shared(row, 'dataset') !== Number(dataset)) return;
    if (status !== '' && compareField(row, 'status') !== status) return;
    if (failing === 'any') {
      if (!data.metrics.some((_, m) => failingAt(row, m))) return;
    } else if (failing !== '' && !failingAt(row, Number(failing))) return;
    view.push(i);
  });
  const sort = selected('sort');
  const idOf = (index: number) => shared(rows[index] ?? [], 'id');
  if (sort === 'id') {
    view.sort((a, b) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0));
  } else if (sort !== '') {
    const [at, direction] = sort.split(':');
    const column = Number(at);
    const sign = direction === 'desc' ? -1 : 1;
    const scoreOf = (index: number) => shared(rows[index] ?? [], 'scores')[column] ?? null;
    // Unscored samples go last in both directions.
    view.sort((a, b) => {
      const x = scoreOf(a);
      const y = scoreOf(b);
      if (x === null) return y === null ? a - b : 1;
      if (y === null) return -1;
      return x === y ? a - b : (x - y) * sign;
    });
  }
  state.view = view;
  state.page = 0;
  // The query the rows now reflect: tests (and scripts) wait on it after typing.
  tbody.setAttribute('data-query', query);
  renderPage();
}

/** The expected answer is stored as JSON; a plain string shows without its quotes. */
function expectedText(json: string): string {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'string' ? value : json;
  } catch {
    return json;
  }
}

function short(text: string | null): string {
  if (text === null) return '—';
  return text.length > 140 ? `${text.slice(0, 140)}…` : text;
}

function renderPage(): void {
  const view = state.view;
  const pages = Math.max(1, Math.ceil(view.length / PAGE_SIZE));
  if (state.page >= pages) state.page = pages - 1;
  const start = state.page * PAGE_SIZE;
  const fragment = document.createDocumentFragment();
  for (const index of view.slice(start, start + PAGE_SIZE)) {
    const row = rows[index] ?? [];
    const cells = [cell(shared(row, 'id'), { className: 'id' })];
    if (data.datasets.length > 1)
      cells.push(cell(data.datasets[shared(row, 'dataset')]?.name ?? ''));
    cells.push(cell(shared(row, 'tags').join(', ')));
    if (compare) {
      const status = compareField(row, 'status');
      cells.push(cell(status, { className: `status-${status}` }));
    } else {
      cells.push(
        cell(short(expectedText(runField(row, 'expected'))), { className: 'expected' }),
        cell(short(runField(row, 'output')), { className: 'output' }),
      );
    }
    data.metrics.forEach((metric, i) => {
      const score = shared(row, 'scores')[i] ?? null;
      const text = compare
        ? `${fmt(compareField(row, 'baseScores')[i])} → ${fmt(score)}`
        : score === null && (runField(row, 'errors')[i] ?? null) !== null
          ? 'error'
          : fmt(score);
      cells.push(
        cell(text, {
          className: failingAt(row, i) ? 'score fail' : 'score',
          'data-metric': metric,
        }),
      );
    });
    const tr = el('tr', { 'data-index': String(index), tabindex: '0' }, cells);
    tr.addEventListener('click', () => showDetail(index));
    tr.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') showDetail(index);
    });
    fragment.appendChild(tr);
  }
  tbody.replaceChildren(fragment);
  info.textContent = `Page ${state.page + 1} of ${pages} · ${view.length} of ${rows.length} samples`;
  prev.disabled = state.page === 0;
  next.disabled = state.page >= pages - 1;
}

function pre(title: string, text: string | null) {
  return el('div', { className: 'block' }, [
    el('h4', { text: title }),
    el('pre', { text: text === null ? '(not in this report)' : text }),
  ]);
}

/** Details name the sample's own texts by reference (html-model.ts, DETAIL_REFS). */
function detailJson(details: unknown, output: string | null, expectedJson: string | null): string {
  return JSON.stringify(
    details,
    (_key, value: unknown) => {
      if (value === '\u0000output') return output;
      if (value === '\u0000expected')
        return expectedJson ? (JSON.parse(expectedJson) as unknown) : value;
      return value;
    },
    2,
  );
}

function showDetail(index: number): void {
  const row = rows[index] ?? [];
  const output = shared(row, 'output');
  const blocks: Node[] = [el('h3', { text: `Sample ${shared(row, 'id')}` })];
  if (compare) {
    blocks.push(
      el('div', { className: 'side-by-side' }, [
        pre('Base output', compareField(row, 'baseOutput')),
        pre('Head output', output),
      ]),
    );
  } else {
    blocks.push(
      pre('Input', runField(row, 'input')),
      pre('Expected output', runField(row, 'expected')),
      pre('Actual output', output),
    );
  }
  const metricRows = data.metrics.map((metric, i) => {
    const cells = [cell(metric)];
    if (compare) cells.push(cell(fmt(compareField(row, 'baseScores')[i])));
    cells.push(cell(fmt(shared(row, 'scores')[i])));
    let detailText = detailJson(
      shared(row, 'details')[i] ?? null,
      output,
      compare ? null : runField(row, 'expected'),
    );
    const error = compare ? null : (runField(row, 'errors')[i] ?? null);
    if (error !== null) detailText = `error: ${error}`;
    const baseDetails = compare ? (compareField(row, 'baseDetails')[i] ?? null) : null;
    if (baseDetails !== null)
      detailText = `base: ${detailJson(baseDetails, compareField(row, 'baseOutput'), null)}\nhead: ${detailText}`;
    cells.push(el('td', null, [el('pre', { text: detailText })]));
    return el('tr', null, cells);
  });
  blocks.push(
    table(
      'detail-scores',
      compare ? ['metric', 'base', 'head', 'detail'] : ['metric', 'score', 'detail'],
      metricRows,
    ),
  );
  const close = el('button', { type: 'button', id: 'close-detail', text: 'Close' });
  close.addEventListener('click', () => {
    detail.hidden = true;
  });
  blocks.push(close);
  detail.replaceChildren(...blocks);
  detail.hidden = false;
  detail.scrollIntoView({ block: 'nearest' });
}

prev.addEventListener('click', () => {
  state.page--;
  renderPage();
});
next.addEventListener('click', () => {
  state.page++;
  renderPage();
});
let typing: ReturnType<typeof setTimeout> | undefined;
byId('search').addEventListener('input', () => {
  clearTimeout(typing);
  typing = setTimeout(applyFilters, 150);
});
for (const id of ['failing', 'tag', 'dataset', 'status', 'sort'])
  document.getElementById(id)?.addEventListener('change', applyFilters);
applyFilters();
document.body.setAttribute('data-ready-ms', String(Math.round(performance.now())));
document.body.setAttribute('data-ready', 'true');
