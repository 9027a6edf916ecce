// CausalRec dashboard: the live feed of one user, model events, and plots. Plain JS + uPlot.
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const wsBase = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host;
  const fmt = (x, d = 3) => (x == null || Number.isNaN(x)) ? '–' : Number(x).toFixed(d);

  // ---- the API key: asked for when the server answers 401, kept for this tab only -------------
  let key = sessionStorage.getItem('causalrec-key') || '';
  // browsers cannot set headers on a WebSocket: the key goes in the URL, which the access log masks
  const withKey = (url) => key ? url + (url.includes('?') ? '&' : '?') + 'access_token=' + encodeURIComponent(key) : url;
  function askForKey(why) {
    $('key-form').hidden = false;
    $('key-meta').textContent = why;
  }
  async function api(path, opts = {}) {
    const r = await fetch(path, { ...opts, headers: { ...(opts.headers || {}), ...(key ? { 'X-API-Key': key } : {}) } });
    if (r.status === 401) askForKey(key ? 'this key is not valid' : 'this server needs an API key');
    if (r.status === 403) askForKey('this key may not do that: ' + path);
    return r;
  }
  $('key-form').onsubmit = (e) => {
    e.preventDefault();
    sessionStorage.setItem('causalrec-key', $('api-key').value.trim());
    location.reload();
  };

  // ---- charts ------------------------------------------------------------------------------
  const width = (el) => Math.max(300, el.clientWidth || 400);
  function lineChart(el, series, opts = {}) {
    const data = [[], ...series.map(() => [])];
    const plot = new uPlot({
      width: width(el), height: 200,
      scales: { x: { time: !!opts.time }, ...(opts.scales || {}) },
      axes: opts.axes || [{}, { size: 60 }],
      series: [{ label: opts.x || 'x' }, ...series],
    }, data, el);
    return { plot, data };
  }
  function bars(el, xlabel, label, color) {
    return new uPlot({
      width: width(el), height: 200,
      scales: { x: { time: false } },
      series: [{ label: xlabel }, { label, fill: color, stroke: color, paths: uPlot.paths.bars({ size: [0.9] }), points: { show: false } }],
      axes: [{ label: xlabel }, { size: 60 }],
    }, [[], []], el);
  }

  const rate = lineChart($('chart-rate'), [{ label: 'events/s', stroke: '#2f6fde', fill: 'rgba(47,111,222,.1)' }],
    { time: true, x: 'time', scales: { x: { time: true, range: (u, min, max) => [max - 120, max] } } });
  const curve = lineChart($('chart-curve'), [
    { label: 'loss', stroke: '#c2410c', scale: 'loss' },
    { label: 'validation NDCG@100', stroke: '#1f9d55', scale: 'ndcg' }],
    { x: 'epoch', scales: { loss: { auto: true }, ndcg: { auto: true } },
      axes: [{ label: 'epoch' }, { scale: 'loss', label: 'loss' }, { scale: 'ndcg', side: 1, label: 'NDCG@100', grid: { show: false } }] });
  const offline = lineChart($('chart-offline'), [
    { label: 'Mult-VAE NDCG@100', stroke: '#2f6fde' }, { label: 'popularity NDCG@100', stroke: '#9aa3b5', dash: [6, 4] },
    { label: 'Mult-VAE Recall@20', stroke: '#1f9d55' }, { label: 'popularity Recall@20', stroke: '#b7c9b9', dash: [6, 4] }],
    { x: 'version', axes: [{ label: 'Mult-VAE version', incrs: [1, 2, 5, 10] }, {}] });
  const propensity = bars($('chart-propensity'), 'log10 propensity', 'impressions', 'rgba(47,111,222,.6)');
  const uplift = bars($('chart-uplift'), 'estimated uplift', 'items', 'rgba(31,157,85,.6)');

  // ---- the live feed -------------------------------------------------------------------------
  let feed = null;
  let current = [];
  function watch() {
    if (feed) { feed.onclose = null; feed.close(1000); }
    const user = $('user').value.trim();
    const n = $('n').value;
    const objective = $('objective').value;
    history.replaceState(null, '', '?user=' + encodeURIComponent(user));
    $('feed-meta').textContent = 'connecting…';
    feed = new WebSocket(withKey(`${wsBase}/v1/feed?user=${encodeURIComponent(user)}&n=${n}&objective=${objective}`));
    feed.onmessage = (e) => render(JSON.parse(e.data));
    feed.onclose = (e) => { $('feed-meta').textContent = `feed closed (${e.code}${e.reason ? ': ' + e.reason : ''})`; };
    feed.onerror = () => { $('feed-meta').textContent = 'feed error'; };
    loadUplift(user);
  }
  function render(m) {
    const ol = $('feed');
    const entered = new Set(m.changes.entered);
    const moved = new Map(m.changes.moved.map((x) => [x.id, x]));
    ol.innerHTML = '';
    m.items.forEach((it) => {
      const li = document.createElement('li');
      li.dataset.id = it.id;
      if (entered.has(it.id) && m.seq > 1) li.className = 'entered';
      const mv = moved.get(it.id);
      const tag = entered.has(it.id) && m.seq > 1 ? '<span class="tag up">new</span>'
        : mv ? `<span class="tag ${mv.to < mv.from ? 'up' : 'down'}">${mv.to < mv.from ? '▲' : '▼'}${Math.abs(mv.from - mv.to)}</span>` : '';
      const score = it.uplift != null ? 'uplift ' + fmt(it.uplift, 4) : fmt(it.score, 2);
      li.innerHTML = `<span class="score">${score}</span><span class="title"></span>${tag}` +
        `${it.scored_by && it.scored_by !== 'mult-vae' ? `<span class="tag">${it.scored_by}</span>` : ''}` +
        `<div class="why"></div>`;
      li.querySelector('.title').textContent = it.title || it.id;
      li.querySelector('.why').textContent = `${it.id} · ${it.reason || ''}`;
      li.querySelector('.title').onclick = () => { $('event-item').value = it.id; };
      ol.appendChild(li);
    });
    current = m.items.map((it) => it.id);
    if (!$('event-item').value || m.seq === 1) $('event-item').value = current[0] || '';
    const why = m.cause ? `after ${m.cause.type} of ${m.cause.item_id}` : 'on connect';
    $('feed-meta').textContent = `list #${m.seq} for ${m.user} by ${m.model_version || 'popularity'} (${why}): ` +
      `${m.changes.entered.length} entered, ${m.changes.left.length} left, ${m.changes.moved.length} moved`;
    $('feed').dataset.seq = m.seq;
  }
  $('user-form').onsubmit = (e) => { e.preventDefault(); watch(); };
  $('event-form').onsubmit = async (e) => {
    e.preventDefault();
    const body = [{ user_id: $('user').value.trim(), item_id: $('event-item').value.trim(), type: $('event-type').value,
      context: { surface: 'dashboard' } }];
    const r = await api('/v1/events', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const j = await r.json();
    $('event-result').textContent = r.ok ? `stored: ${j.accepted} accepted; the feed updates when the stream delivers it`
      : `${r.status} ${j.error}: ${j.field || ''} ${j.detail || ''}`;
  };

  // ---- model feed: versions, training progress, events per second -------------------------
  let liveCurve = null;
  function connectModels() {
    const ws = new WebSocket(withKey(`${wsBase}/v1/feed/models`));
    ws.onopen = () => { $('pill-status').textContent = 'live'; };
    ws.onclose = () => { $('pill-status').textContent = 'reconnecting…'; setTimeout(connectModels, 2000); };
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type === 'models') showModels(m.models);
      if (m.type === 'stats') {
        $('pill-rate').textContent = 'events/s: ' + fmt(m.events_per_second, 0);
        $('pill-sockets').textContent = 'feeds open: ' + m.feed.sockets;
        rate.data[0].push(Date.now() / 1000); rate.data[1].push(m.events_per_second);
        if (rate.data[0].length > 120) { rate.data[0].shift(); rate.data[1].shift(); }
        rate.plot.setData(rate.data);
      }
      if (m.type === 'training') progress(m.progress);
    };
  }
  function progress(p) {
    const label = `${p.version}: ${p.status}` + (p.epoch ? ` epoch ${p.epoch}/${p.epochs}, loss ${fmt(p.loss)}` : '')
      + (p.detail ? ` — ${p.detail}` : '');
    $('training-meta').textContent = label;
    if (p.epoch && p.epochs) $('training-bar').style.width = (100 * p.epoch / p.epochs) + '%';
    if (p.kind === 'mult-vae' && p.epoch) {
      if (!liveCurve || liveCurve !== p.version) { liveCurve = p.version; curve.data.forEach((a) => (a.length = 0)); }
      curve.data[0].push(p.epoch); curve.data[1].push(p.loss); curve.data[2].push(p['validation_ndcg@100']);
      curve.plot.setData(curve.data);
    }
    if (p.status === 'ready' || p.status === 'failed') {
      $('training-bar').style.width = p.status === 'ready' ? '100%' : '0';
      api('/v1/models').then((r) => r.json()).then((j) => { if (j.models) showModels(j.models); });
    }
  }
  function showModels(models) {
    const tbody = $('models').querySelector('tbody');
    tbody.innerHTML = '';
    models.forEach((m) => {
      const tr = document.createElement('tr');
      const metrics = Object.entries(m.metrics || {}).filter(([, v]) => typeof v === 'number')
        .map(([k, v]) => `${k} ${fmt(v)}`).join(', ');
      tr.innerHTML = '<td></td><td></td><td></td><td class="metrics"></td><td></td>';
      [m.version, m.kind, m.status, metrics, m.finished_at || m.created_at || ''].forEach((v, k) => { tr.children[k].textContent = v; });
      tbody.appendChild(tr);
    });
    const vaes = models.filter((m) => m.kind === 'mult-vae' && m.status === 'ready')
      .sort((a, b) => Number(a.version.split('-').pop()) - Number(b.version.split('-').pop()));
    if (vaes.length) {
      const newest = vaes[vaes.length - 1];
      $('pill-model').textContent = 'model: ' + newest.version;
      offline.plot.setData([vaes.map((m) => Number(m.version.split('-').pop())),
        vaes.map((m) => m.metrics['ndcg@100']), vaes.map((m) => (m.metrics.popularity || {})['ndcg@100']),
        vaes.map((m) => m.metrics['recall@20']), vaes.map((m) => (m.metrics.popularity || {})['recall@20'])]);
      if (!liveCurve && newest.metrics.curve) {
        const c = newest.metrics.curve;
        curve.plot.setData([c.map((x) => x.epoch), c.map((x) => x.loss), c.map((x) => x['validation_ndcg@100'])]);
        $('training-meta').textContent = `${newest.version}: learning curve of the serving version`;
      }
    }
  }

  // ---- distributions -------------------------------------------------------------------------
  async function loadPropensities() {
    const j = await (await api('/v1/stats/propensities?bins=24')).json();
    if (!j.bins) return;
    propensity.setData([j.bins.map((b) => Math.log10(Math.sqrt(b.low * b.high))), j.bins.map((b) => b.count)]);
  }
  async function loadUplift(user) {
    const r = await api(`/v1/users/${encodeURIComponent(user)}/recommendations?objective=uplift&n=100`);
    const j = await r.json();
    if (!r.ok) { $('uplift-meta').textContent = `${j.detail || j.error}`; uplift.setData([[], []]); return; }
    const u = j.items.map((it) => it.uplift);
    const lo = Math.min(...u, 0), hi = Math.max(...u, 0.0001), k = 20, w = (hi - lo) / k;
    const counts = new Array(k).fill(0);
    u.forEach((x) => { counts[Math.min(k - 1, Math.floor((x - lo) / w))]++; });
    uplift.setData([counts.map((_, i) => lo + w * (i + 0.5)), counts]);
    $('uplift-meta').textContent = `${u.length} items by ${j.model_version}: estimated uplift from ${fmt(lo, 4)} to ${fmt(hi, 4)}`;
  }

  const params = new URLSearchParams(location.search);
  if (params.get('user')) $('user').value = params.get('user');
  connectModels();
  watch();
  loadPropensities();
  api('/v1/models').then((r) => r.json()).then((j) => { if (j.models) showModels(j.models); });
})();
