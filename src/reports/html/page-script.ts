/**
 * The script of an HTML report page, inlined into the page. It reads the page model (see
 * html-model.ts) from the JSON data element and draws everything with DOM calls: every string
 * from a dataset, an output or a metric detail goes through `textContent`, never `innerHTML`,
 * so an output holding markup is shown as text and never runs.
 *
 * It is kept as plain browser JavaScript in a string so that the page works the same whatever
 * compiled or bundled this package; the browser tests in test/reports/html-report.browser.test.ts
 * exercise every control.
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('eval-harness-data').textContent);
  var compare = data.kind === 'compare';
  var PAGE_SIZE = 50;
  var PASS = 0.5;
  var SVG = 'http://www.w3.org/2000/svg';
  // Column positions of a sample row (html-model.ts).
  var C = compare
    ? { d: 0, id: 1, tags: 2, baseOut: 3, out: 4, baseScores: 5, scores: 6, status: 7, baseDetails: 8, details: 9, lines: 10 }
    : { d: 0, id: 1, tags: 2, input: 3, expected: 4, out: 5, scores: 6, details: 7, errors: 8, lines: 9 };

  function el(tag, props, children) {
    var node = document.createElement(tag);
    if (props) for (var key in props) {
      if (key === 'text') node.textContent = props[key];
      else if (key === 'className') node.className = props[key];
      else node.setAttribute(key, props[key]);
    }
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }
  function fmt(v) { return v === null || v === undefined ? 'n/a' : v.toFixed(4); }
  function signed(v) { return v === null || v === undefined ? 'n/a' : (v >= 0 ? '+' : '') + v.toFixed(4); }
  function table(id, headers, rows) {
    var head = el('tr', null, headers.map(function (h) { return el('th', { text: h }); }));
    return el('table', id ? { id: id } : null, [el('thead', null, [head]), el('tbody', null, rows)]);
  }
  function cell(text, attrs) {
    var props = attrs || {};
    props.text = text;
    return el('td', props);
  }

  var root = document.getElementById('app');
  root.appendChild(el('h1', { text: data.title }));
  root.appendChild(el('p', { className: 'muted', text: data.generator }));

  if (data.gates.length > 0) {
    root.appendChild(el('h2', { text: 'Gates' }));
    root.appendChild(table('gates', ['gate', 'result', 'detail'], data.gates.map(function (g) {
      return el('tr', { className: g.passed ? 'pass' : 'fail' }, [
        cell(g.label), cell(g.passed ? 'pass' : 'FAIL'), cell(g.detail)]);
    })));
  }

  function histogram(counts, base) {
    var max = 1;
    counts.concat(base || []).forEach(function (n) { if (n > max) max = n; });
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 200 66');
    svg.setAttribute('class', 'histogram');
    counts.forEach(function (n, i) {
      [[base ? base[i] : null, 'bar-base', 0], [n, 'bar', base ? 10 : 0]].forEach(function (bar) {
        if (bar[0] === null) return;
        var h = Math.round((bar[0] / max) * 54);
        var rect = document.createElementNS(SVG, 'rect');
        rect.setAttribute('x', String(i * 20 + 1 + bar[2]));
        rect.setAttribute('y', String(56 - h));
        rect.setAttribute('width', String(base ? 8 : 18));
        rect.setAttribute('height', String(h));
        rect.setAttribute('class', bar[1]);
        var title = document.createElementNS(SVG, 'title');
        title.textContent = (bar[1] === 'bar-base' ? 'base ' : '') + (i / 10).toFixed(1) + '-' + ((i + 1) / 10).toFixed(1) + ': ' + bar[0];
        rect.appendChild(title);
        svg.appendChild(rect);
      });
    });
    var axis = document.createElementNS(SVG, 'line');
    axis.setAttribute('x1', '0'); axis.setAttribute('x2', '200');
    axis.setAttribute('y1', '56.5'); axis.setAttribute('y2', '56.5');
    axis.setAttribute('class', 'axis');
    svg.appendChild(axis);
    [['0', 0, 'start'], ['0.5', 100, 'middle'], ['1', 200, 'end']].forEach(function (tick) {
      var label = document.createElementNS(SVG, 'text');
      label.setAttribute('x', String(tick[1]));
      label.setAttribute('y', '64');
      label.setAttribute('text-anchor', tick[2]);
      label.setAttribute('class', 'tick');
      label.textContent = tick[0];
      svg.appendChild(label);
    });
    return svg;
  }

  data.datasets.forEach(function (ds, d) {
    var section = el('section', { className: 'dataset', 'data-dataset': ds.name });
    section.appendChild(el('h2', { text: ds.name }));
    section.appendChild(el('dl', { className: 'facts' }, ds.facts.reduce(function (list, f) {
      return list.concat([el('dt', { text: f[0] }), el('dd', { text: f[1] })]);
    }, []).concat([el('dt', { text: 'macro-F1' }), el('dd', { text: fmt(ds.macroF1), 'data-macro-f1': '' })])));
    if (ds.aggregates) {
      section.appendChild(el('h3', { text: 'Per-metric aggregates' }));
      section.appendChild(table('aggregates-' + d, ['metric', 'mean', 'p50', 'p95', 'pass rate'],
        Object.keys(ds.aggregates).map(function (m) {
          var a = ds.aggregates[m];
          return el('tr', null, [cell(m)].concat(['mean', 'p50', 'p95', 'pass_rate'].map(function (k) {
            return cell(fmt(a[k]), { 'data-metric': m, 'data-aggregate': k });
          })));
        })));
    }
    var cmp = ds.comparison;
    if (cmp) {
      section.appendChild(el('h3', { text: 'Comparison with the base run' }));
      var rows = [];
      Object.keys(cmp.metrics).forEach(function (m) {
        ['mean', 'p50', 'p95', 'pass_rate'].forEach(function (k) {
          var v = cmp.metrics[m][k];
          rows.push(el('tr', { className: v.delta !== null && v.delta < 0 ? 'worse' : '' }, [
            cell(m), cell(k), cell(fmt(v.base)), cell(fmt(v.head)),
            cell(signed(v.delta), { 'data-metric': m, 'data-aggregate': k, 'data-delta': '' })]));
        });
      });
      var f1 = cmp.macro_f1;
      rows.push(el('tr', { className: f1.delta !== null && f1.delta < 0 ? 'worse' : '' }, [cell('macro_f1'), cell('-'),
        cell(fmt(f1.base)), cell(fmt(f1.head)), cell(signed(f1.delta), { 'data-macro-f1-delta': '' })]));
      section.appendChild(table('comparison-' + d, ['metric', 'aggregate', 'base', 'head', 'delta'], rows));
      if (ds.verdicts.length > 0) {
        section.appendChild(el('h4', { text: 'Is the change real?' }));
        section.appendChild(el('ul', { id: 'verdicts-' + d }, ds.verdicts.map(function (line) {
          return el('li', { text: line, className: / worse[,(]/.test(line) ? 'worse' : '' });
        })));
      }
      [['Regressed samples', cmp.samples.regressed], ['Improved samples', cmp.samples.improved]].forEach(function (pair) {
        if (pair[1].length === 0) return;
        // Counted in samples, like the gate; a sample that crossed on two metrics has two rows.
        var distinct = new Set(pair[1].map(function (c) { return c.id; })).size;
        section.appendChild(el('h3', { text: pair[0] + ' (' + distinct + ')' }));
        section.appendChild(table(null, ['sample', 'metric', 'base', 'head'], pair[1].slice(0, 20).map(function (c) {
          return el('tr', null, [cell(c.id), cell(c.metric), cell(fmt(c.base)), cell(fmt(c.head))]);
        })));
        if (pair[1].length > 20) section.appendChild(el('p', { className: 'muted', text: 'and ' + (pair[1].length - 20) + ' more: filter the samples by status below.' }));
      });
      if (cmp.cohorts.length > 0) {
        var cohortMetrics = Object.keys(cmp.metrics);
        section.appendChild(el('h3', { text: 'Cohorts (mean, base → head)' }));
        section.appendChild(table('cohort-deltas-' + d, ['tag'].concat(cohortMetrics), cmp.cohorts.map(function (c) {
          return el('tr', null, [cell(c.tag)].concat(cohortMetrics.map(function (m) {
            var v = c.metrics[m] ? c.metrics[m].mean : null;
            return v ? cell(fmt(v.base) + ' → ' + fmt(v.head) + ' (' + signed(v.delta) + ')', { className: v.delta !== null && v.delta < 0 ? 'worse' : '' }) : cell('n/a');
          })));
        })));
      }
      var one = [['only in base', cmp.samples.only_in_base], ['only in head', cmp.samples.only_in_head],
        ['failures added', cmp.failures.added.map(function (f) { return f.sample_id + ' (' + f.metric + ')'; })],
        ['failures resolved', cmp.failures.resolved.map(function (f) { return f.sample_id + ' (' + f.metric + ')'; })]];
      one.forEach(function (pair) {
        if (pair[1].length === 0) return;
        var shown = pair[1].slice(0, 20).join(', ') + (pair[1].length > 20 ? ' and ' + (pair[1].length - 20) + ' more' : '');
        section.appendChild(el('p', { text: pair[0] + ' (' + pair[1].length + '): ' + shown }));
      });
    }
    var names = Object.keys(ds.histograms);
    if (names.length > 0) {
      section.appendChild(el('h3', { text: 'Score distributions' + (compare ? ' (grey: base, blue: head)' : '') }));
      section.appendChild(el('div', { className: 'histograms' }, names.map(function (m) {
        return el('figure', null, [histogram(ds.histograms[m].head, ds.histograms[m].base), el('figcaption', { text: m })]);
      })));
    }
    if (ds.cohorts.length > 0) {
      var metrics = Object.keys(ds.aggregates || {});
      section.appendChild(el('h3', { text: 'Cohorts (mean)' }));
      section.appendChild(table('cohorts-' + d, ['tag', 'samples'].concat(metrics), ds.cohorts.map(function (c) {
        return el('tr', null, [cell(c.label), cell(String(c.samples))].concat(metrics.map(function (m) {
          return cell(fmt(c.means[m]));
        })));
      })));
    }
    root.appendChild(section);
  });

  // The sample table: search, filters, sort and paging over the index list 'view'.
  var rows = data.samples;
  var tags = {};
  rows.forEach(function (r) { r[C.tags].forEach(function (t) { tags[t] = true; }); });
  function options(id, label, entries) {
    return el('label', null, [document.createTextNode(label + ' '), el('select', { id: id },
      entries.map(function (e) { return el('option', { value: e[0], text: e[1] }); }))]);
  }
  var metricOptions = data.metrics.map(function (m, i) { return [String(i), m]; });
  var controls = el('div', { className: 'controls' }, [
    el('input', { id: 'search', type: 'search', placeholder: 'Search id, tags, output', 'aria-label': 'search' }),
    options('failing', 'failing', [['', 'any or none'], ['any', 'any metric']].concat(metricOptions)),
    options('tag', 'tag', [['', 'all']].concat(Object.keys(tags).sort().map(function (t) { return [t, t]; }))),
    data.datasets.length > 1 ? options('dataset', 'dataset', [['', 'all']].concat(data.datasets.map(function (ds, i) { return [String(i), ds.name]; }))) : null,
    compare ? options('status', 'status', [['', 'all'], ['regressed', 'regressed'], ['improved', 'improved'], ['unchanged', 'unchanged'], ['base-only', 'only in base'], ['head-only', 'only in head']]) : null,
    options('sort', 'sort by', [['', 'report order'], ['id', 'id']].concat(data.metrics.reduce(function (list, m, i) {
      return list.concat([[i + ':asc', m + ' (lowest first)'], [i + ':desc', m + ' (highest first)']]);
    }, [])))
  ]);
  var head = [compare ? 'sample' : 'sample', 'dataset', 'tags'].concat(compare ? ['status'] : ['expected', 'output']).concat(data.metrics.map(function (m) { return compare ? m + ' (base → head)' : m; }));
  if (data.datasets.length < 2) head.splice(1, 1);
  var tbody = el('tbody', { id: 'sample-rows' });
  var info = el('span', { id: 'page-info' });
  var prev = el('button', { id: 'prev', type: 'button', text: 'Previous' });
  var next = el('button', { id: 'next', type: 'button', text: 'Next' });
  var detail = el('section', { id: 'detail', hidden: '' });
  var sampleSection = el('section', { id: 'samples' }, [el('h2', { text: 'Samples' }), controls,
    el('table', { id: 'sample-table' }, [el('thead', null, [el('tr', null, head.map(function (h) { return el('th', { text: h }); }))]), tbody]),
    el('div', { className: 'pager' }, [prev, info, next]), detail]);
  root.appendChild(sampleSection);

  var haystacks = null;
  var state = { page: 0, view: null };
  function failingAt(r, i) {
    var s = r[C.scores][i];
    if (!compare && r[C.errors][i] !== null) return true;
    var line = r[C.lines] ? r[C.lines][i] : null;
    return s !== null && s < (line === null || line === undefined ? PASS : line);
  }
  function applyFilters() {
    var q = document.getElementById('search').value.trim().toLowerCase();
    var failing = document.getElementById('failing').value;
    var tag = document.getElementById('tag').value;
    var dsSelect = document.getElementById('dataset');
    var dsFilter = dsSelect ? dsSelect.value : '';
    var statusSelect = document.getElementById('status');
    var status = statusSelect ? statusSelect.value : '';
    if (q !== '' && haystacks === null) {
      haystacks = rows.map(function (r) {
        return (r[C.id] + '\n' + r[C.tags].join(' ') + '\n' + (r[C.out] || '') + '\n' + (compare ? r[C.baseOut] || '' : '')).toLowerCase();
      });
    }
    var view = [];
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      if (q !== '' && haystacks[i].indexOf(q) === -1) continue;
      if (tag !== '' && r[C.tags].indexOf(tag) === -1) continue;
      if (dsFilter !== '' && r[C.d] !== Number(dsFilter)) continue;
      if (status !== '' && r[C.status] !== status) continue;
      if (failing === 'any') {
        var any = false;
        for (var m = 0; m < data.metrics.length && !any; m++) any = failingAt(r, m);
        if (!any) continue;
      } else if (failing !== '' && !failingAt(r, Number(failing))) continue;
      view.push(i);
    }
    var sort = document.getElementById('sort').value;
    if (sort === 'id') {
      view.sort(function (a, b) { return rows[a][C.id] < rows[b][C.id] ? -1 : rows[a][C.id] > rows[b][C.id] ? 1 : 0; });
    } else if (sort !== '') {
      var parts = sort.split(':');
      var at = Number(parts[0]);
      var dir = parts[1] === 'desc' ? -1 : 1;
      // Unscored samples go last in both directions.
      view.sort(function (a, b) {
        var x = rows[a][C.scores][at], y = rows[b][C.scores][at];
        if (x === null) return y === null ? a - b : 1;
        if (y === null) return -1;
        return x === y ? a - b : (x - y) * dir;
      });
    }
    state.view = view;
    state.page = 0;
    // The query the rows now reflect: tests (and scripts) wait on it after typing.
    tbody.setAttribute('data-query', q);
    renderPage();
  }
  // The expected answer is stored as JSON; a plain string shows without its quotes.
  function expectedText(json) {
    try {
      var value = JSON.parse(json);
      return typeof value === 'string' ? value : json;
    } catch (e) {
      return json;
    }
  }
  function short(text) {
    if (text === null) return '—';
    return text.length > 140 ? text.slice(0, 140) + '…' : text;
  }
  function renderPage() {
    var view = state.view;
    var pages = Math.max(1, Math.ceil(view.length / PAGE_SIZE));
    if (state.page >= pages) state.page = pages - 1;
    var start = state.page * PAGE_SIZE;
    var fragment = document.createDocumentFragment();
    view.slice(start, start + PAGE_SIZE).forEach(function (index) {
      var r = rows[index];
      var cells = [cell(r[C.id], { className: 'id' })];
      if (data.datasets.length > 1) cells.push(cell(data.datasets[r[C.d]].name));
      cells.push(cell(r[C.tags].join(', ')));
      if (compare) cells.push(cell(r[C.status], { className: 'status-' + r[C.status] }));
      else cells.push(cell(short(expectedText(r[C.expected])), { className: 'expected' }), cell(short(r[C.out]), { className: 'output' }));
      data.metrics.forEach(function (m, i) {
        var s = r[C.scores][i];
        var text = compare ? fmt(r[C.baseScores][i]) + ' → ' + fmt(s) : (s === null && r[C.errors][i] !== null ? 'error' : fmt(s));
        cells.push(cell(text, { className: failingAt(r, i) ? 'score fail' : 'score', 'data-metric': m }));
      });
      var tr = el('tr', { 'data-index': String(index), tabindex: '0' }, cells);
      tr.addEventListener('click', function () { showDetail(index); });
      tr.addEventListener('keydown', function (e) { if (e.key === 'Enter') showDetail(index); });
      fragment.appendChild(tr);
    });
    tbody.replaceChildren(fragment);
    info.textContent = 'Page ' + (state.page + 1) + ' of ' + pages + ' · ' + view.length + ' of ' + rows.length + ' samples';
    prev.disabled = state.page === 0;
    next.disabled = state.page >= pages - 1;
  }
  function pre(title, text) {
    return el('div', { className: 'block' }, [el('h4', { text: title }), el('pre', { text: text === null ? '(not in this report)' : text })]);
  }
  // Details name the sample's own texts by reference (html-model.ts, DETAIL_REFS).
  function detailJson(details, output, expectedJson) {
    return JSON.stringify(details, function (key, value) {
      if (value === '\u0000output') return output;
      if (value === '\u0000expected') return expectedJson ? JSON.parse(expectedJson) : value;
      return value;
    }, 2);
  }
  function showDetail(index) {
    var r = rows[index];
    var blocks = [el('h3', { text: 'Sample ' + r[C.id] })];
    if (compare) {
      blocks.push(el('div', { className: 'side-by-side' }, [pre('Base output', r[C.baseOut]), pre('Head output', r[C.out])]));
    } else {
      blocks.push(pre('Input', r[C.input]), pre('Expected output', r[C.expected]), pre('Actual output', r[C.out]));
    }
    var metricRows = data.metrics.map(function (m, i) {
      var cells = [cell(m)];
      if (compare) cells.push(cell(fmt(r[C.baseScores][i])));
      cells.push(cell(fmt(r[C.scores][i])));
      var detailText = detailJson(r[C.details][i], r[C.out], r[C.expected]);
      if (!compare && r[C.errors][i] !== null) detailText = 'error: ' + r[C.errors][i];
      if (compare && r[C.baseDetails][i] !== null) detailText = 'base: ' + detailJson(r[C.baseDetails][i], r[C.baseOut], null) + '\nhead: ' + detailText;
      cells.push(el('td', null, [el('pre', { text: detailText })]));
      return el('tr', null, cells);
    });
    blocks.push(table('detail-scores', compare ? ['metric', 'base', 'head', 'detail'] : ['metric', 'score', 'detail'], metricRows));
    var close = el('button', { type: 'button', id: 'close-detail', text: 'Close' });
    close.addEventListener('click', function () { detail.hidden = true; });
    blocks.push(close);
    detail.replaceChildren.apply(detail, blocks);
    detail.hidden = false;
    detail.scrollIntoView({ block: 'nearest' });
  }
  prev.addEventListener('click', function () { state.page--; renderPage(); });
  next.addEventListener('click', function () { state.page++; renderPage(); });
  var timer = null;
  document.getElementById('search').addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(applyFilters, 150);
  });
  ['failing', 'tag', 'dataset', 'status', 'sort'].forEach(function (id) {
    var node = document.getElementById(id);
    if (node) node.addEventListener('change', applyFilters);
  });
  applyFilters();
  document.body.setAttribute('data-ready-ms', String(Math.round(performance.now())));
  document.body.setAttribute('data-ready', 'true');
})();
`;
