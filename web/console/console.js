// The analysts' console: the review queue, cases (their URLs, notices, forwards to the authorities, and the
// rejection of the whole case by two analysts), notices, the hosts directory, the export of forwards, the audit log
// and statistics, through the ordinary API with the analyst's key.
//
// The key lives in this closure only (`session`), never in the DOM, storage, a cookie or the URL: sessionStorage
// would survive a reload and be readable by anything running in the origin later, and an analyst signs in again
// in a second. Sign-out, a refused key, leaving the page and 30 minutes without a key press or click forget it.
// Every text from the server goes into the page as text (textContent), never as HTML, and the URLs victims
// reported are shown, never linked: the console never loads what they point to. The one link it builds itself is
// the forwards' CSV file: the API's answer, fetched with the key, offered as a download from the tab's memory.
'use strict';

(() => {
  const IDLE_MS = 30 * 60 * 1000;
  const QUEUE_STATES = { pending: 'pending', quarantined: 'quarantined' };
  const REJECT_REASONS = [
    ['low_quality', 'low quality'],
    ['popular_benign_image', 'popular benign image'],
    ['not_intimate', 'not intimate'],
    ['duplicate', 'duplicate'],
    ['abuse', 'abuse (bad-faith submission)'],
    ['other', 'other (say why)'],
  ];
  const VIEWS = ['sign-in', 'queue', 'case', 'notices', 'audit', 'stats', 'hosts', 'forwards'];
  // The views the keys 1 to 7 show, in that order.
  const VIEW_KEYS = ['queue', 'case', 'notices', 'audit', 'stats', 'hosts', 'forwards'];
  const AUTHORITIES = { pharos: 'PHAROS', inhope: 'INHOPE (ICCAM)', ncmec: 'NCMEC' };
  const LANGS = [['fr', 'French'], ['en', 'English'], ['es', 'Spanish'], ['de', 'German'], ['it', 'Italian'], ['ar', 'Arabic']];
  const DAY_MS = 24 * 60 * 60 * 1000;

  let session = null; // { key, me }: the only place the key is kept
  let idleTimer = null;
  let busy = 0;
  let view = 'sign-in';
  let caseId = null;
  const tables = {}; // entries tables by view: { items, selected, cursor, body, refresh }
  let noticeRows = { items: [], cursor: -1, next: null };
  let auditFrom = null;
  let caseHosts = []; // the hosts of the open case's URLs and their contact fields: { host, initial, email, lang, api }
  let forwardAt = { now: 0, untouched: '' }; // the forward form's date field as filled in, meaning "now"
  const confirmedRejections = new Map(); // case id -> the answer that confirmed its rejection (names both analysts)
  let forwardsPage = { items: [], next: null };
  let csvUrl = null; // the object URL of the forwards' CSV file offered for download

  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------------ DOM helpers

  /** An element with attributes (`text`, `class`, `on<event>`, `dataset`, others as attributes) and children. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') el.textContent = v;
      else if (k === 'class') el.className = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : String(c));
    }
    return el;
  }

  const when = (ms) => (ms ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : '—');

  function duration(ms) {
    if (ms === null || ms === undefined) return '—';
    const minutes = Math.round(ms / 60000);
    if (minutes < 60) return `${minutes} min`;
    const hours = Math.floor(minutes / 60);
    if (hours < 48) return `${hours} h ${minutes % 60} min`;
    return `${Math.floor(hours / 24)} d ${hours % 24} h`;
  }

  const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
  const words = (s) => String(s).replaceAll('_', ' ');

  function say(text) {
    $('status').textContent = text;
    $('error').textContent = '';
  }

  function fail(err) {
    const text = err && err.code ? `${err.message} (${err.code})` : String(err && err.message ? err.message : err);
    $('error').textContent = text;
  }

  function setBusy(delta) {
    busy += delta;
    document.body.dataset.busy = String(busy);
  }

  // ------------------------------------------------------------------ the API

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  /**
   * Calls the API with the session's key and answers the JSON body, or with `raw` the text and the `X-Next-From`
   * header (the forwards' CSV). A 401 signs out: the key was revoked or mistyped.
   */
  async function api(method, path, body, raw) {
    if (!session) throw new ApiError(0, 'signed_out', 'Signed out');
    const key = session.key;
    const headers = { Authorization: `Bearer ${key}`, Accept: 'application/json' };
    const init = { method, headers, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    setBusy(1);
    try {
      const response = await fetch(path, init);
      const text = await response.text();
      if (!session || session.key !== key) throw new ApiError(0, 'signed_out', 'Signed out');
      let data = null;
      try {
        data = text ? JSON.parse(text) : null;
      } catch {
        data = null;
      }
      if (!response.ok) {
        const err = new ApiError(response.status, (data && data.code) || `http_${response.status}`,
          (data && data.message) || response.statusText);
        if (response.status === 401 && session.me) {
          signOut('The server refused the key (revoked?): signed out.');
          throw new ApiError(401, 'signed_out', 'Signed out');
        }
        throw err;
      }
      return raw ? { text, next: response.headers.get('X-Next-From') } : data;
    } finally {
      setBusy(-1);
    }
  }

  const q = encodeURIComponent;

  /** Runs an action, reporting its failure in the error line (a refused key has signed out already). */
  async function run(action) {
    try {
      await action();
    } catch (err) {
      if (err && err.code === 'signed_out') return;
      fail(err);
    }
  }

  // ------------------------------------------------------------------ signing in and out

  async function signIn(event) {
    event.preventDefault();
    const input = $('key');
    const key = input.value.trim();
    $('key-error').textContent = '';
    input.removeAttribute('aria-invalid');
    const refuse = (text) => {
      session = null;
      $('key-error').textContent = text;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    };
    if (!key.startsWith('dk_')) {
      refuse('An API key starts with dk_ (dk_<id>_<secret>).');
      return;
    }
    session = { key, me: null };
    let me;
    try {
      me = await api('GET', '/v1/me');
    } catch (err) {
      refuse(err.status === 401 ? 'The server refused this key: it is unknown or revoked.' : `${err.message}`);
      return;
    }
    if (me.role !== 'analyst' && me.role !== 'admin') {
      refuse(`This is a ${me.role}'s key: the console is for analysts and admins.`);
      return;
    }
    session.me = me;
    input.value = '';
    document.body.dataset.role = me.role;
    $('who-name').textContent = `${me.name} (${me.role}${me.contact_access ? ', may open contacts' : ''})`;
    $('who').hidden = false;
    $('nav').hidden = false;
    for (const b of document.querySelectorAll('#nav [data-role]')) b.parentElement.hidden = b.dataset.role !== me.role;
    const lists = $('queue-list');
    lists.replaceChildren(...me.lists.map((l) => h('option', { value: l, text: l })));
    touch();
    say(`Signed in as ${me.name}.`);
    $('main').focus();
    await show('queue');
  }

  /** Forgets the key and everything shown with it. */
  function signOut(message) {
    session = null;
    clearTimeout(idleTimer);
    caseId = null;
    for (const id of ['queue-entries', 'case-facts', 'case-notices', 'case-forwards', 'case-entries', 'notices-list',
      'notice-detail', 'audit-records', 'stats-body', 'contact-value', 'queue-total', 'audit-verdict', 'audit-head',
      'case-hosts', 'case-rejection', 'hosts-list', 'forwards-list', 'forwards-download']) {
      $(id).replaceChildren();
    }
    $('forward-urls').replaceChildren($('forward-urls').querySelector('legend'));
    for (const form of ['forward-form', 'host-form', 'forwards-form']) $(form).reset();
    caseHosts = [];
    confirmedRejections.clear();
    forwardsPage = { items: [], next: null };
    if (csvUrl) URL.revokeObjectURL(csvUrl);
    csvUrl = null;
    $('case-urls').tBodies[0].replaceChildren();
    $('case-body').hidden = true;
    $('notice-detail').hidden = true;
    $('case-id').value = '';
    delete $('audit-verdict').dataset.ok;
    $('queue-list').replaceChildren();
    $('who-name').textContent = '';
    $('who').hidden = true;
    $('nav').hidden = true;
    delete document.body.dataset.role;
    for (const k of Object.keys(tables)) delete tables[k];
    noticeRows = { items: [], cursor: -1, next: null };
    showOnly('sign-in');
    $('error').textContent = '';
    $('status').textContent = message || 'Signed out: the key is forgotten.';
    $('key').focus();
  }

  function touch() {
    clearTimeout(idleTimer);
    if (session) idleTimer = setTimeout(() => signOut('Signed out after 30 minutes without activity.'), IDLE_MS);
  }

  // ------------------------------------------------------------------ views

  function showOnly(name) {
    view = name;
    document.body.dataset.view = name;
    for (const v of VIEWS) $(`view-${v}`).hidden = v !== name;
    for (const b of document.querySelectorAll('#nav button')) {
      if (b.dataset.view === name) b.setAttribute('aria-current', 'page');
      else b.removeAttribute('aria-current');
    }
  }

  const loaders = {
    queue: loadQueue,
    case: () => (caseId ? loadCase(caseId) : $('case-id').focus()),
    notices: () => loadNotices(false),
    audit: () => loadAudit(null),
    stats: loadStats,
    hosts: loadHosts,
    forwards: () => loadForwards(false),
  };

  async function show(name) {
    if (!session || !session.me) return;
    if (name === 'audit' && session.me.role !== 'admin') return;
    showOnly(name);
    $('error').textContent = '';
    await run(loaders[name]);
  }

  // ------------------------------------------------------------------ entries (queue and case)

  function signalsText(s) {
    const parts = [];
    if (s.blocked) parts.push(`${s.blocked} blocked`);
    if (s.not_violating) parts.push(`${s.not_violating} not violating`);
    if (s.pending_review) parts.push(`${s.pending_review} pending review`);
    if (s.matches) parts.push(`${plural(s.matches, 'match', 'matches')} by ${plural(s.match_platforms, 'platform', 'platforms')} on ${plural(s.match_days, 'day', 'days')}`);
    return parts.length ? parts.join(', ') : 'none';
  }

  function benignText(b) {
    if (b.signal === 'repeated_not_violating') return `benign? ${b.reports} not-violating reports from ${b.platforms} platforms`;
    if (b.signal === 'widespread_matches') return `benign? matched by ${b.platforms} platforms on ${b.days} days`;
    return words(b.signal);
  }

  function entryRow(table, item, index, showCase) {
    const id = String(item.entry_id);
    const box = h('input', {
      type: 'checkbox', class: 'select', 'aria-label': `Select entry ${id}`,
      onchange: (e) => { toggle(table, item.entry_id, e.target.checked); },
    });
    box.checked = table.selected.has(item.entry_id);
    const near = item.near_duplicates.length
      ? h('ul', { class: 'plain' }, item.near_duplicates.map((n) => h('li', {
        text: `#${n.entry_id} at ${n.distance} bits, ${words(n.state)}`,
      })))
      : 'none';
    const flags = [];
    if (item.low_quality) flags.push(h('span', { class: 'badge warn', text: 'low quality' }));
    if (item.held_for) flags.push(h('span', { class: 'badge warn', text: `held: ${words(item.held_for)}` }));
    if (item.forward_required) flags.push(h('span', { class: 'badge danger', text: 'forward required' }));
    for (const b of item.benign_signals) flags.push(h('span', { class: 'badge warn', text: benignText(b) }));
    const caseCell = showCase
      ? h('button', { type: 'button', class: 'link', text: item.case_id.slice(0, 12) + '…', 'aria-label': `Open case ${item.case_id}`, title: item.case_id, onclick: () => openCase(item.case_id) })
      : null;
    return h('tr', { tabindex: '-1', dataset: { entry: id, state: item.state, index: String(index) }, onfocusin: () => { table.cursor = index; } },
      h('td', {}, box),
      h('th', { scope: 'row' }, h('code', { text: id })),
      showCase ? h('td', {}, caseCell) : null,
      h('td', { text: item.kind }),
      h('td', { text: item.quality === undefined ? '—' : String(item.quality) }),
      h('td', {}, h('span', { class: `state ${item.state}`, text: words(item.state) })),
      h('td', { text: words(item.category) }),
      h('td', { text: when(item.created_at) }),
      h('td', {}, near),
      h('td', { class: 'num', text: `${item.same_hash_cases} / ${item.near_hash_cases}` }),
      h('td', { text: signalsText(item.signals) }),
      h('td', {}, flags));
  }

  function toggle(table, id, on) {
    if (on) table.selected.add(id);
    else table.selected.delete(id);
    const all = table.root.querySelector('input.select-all');
    all.checked = table.items.length > 0 && table.selected.size === table.items.length;
    all.indeterminate = table.selected.size > 0 && !all.checked;
    table.root.querySelector('.selected-count').textContent = `${table.selected.size} selected`;
  }

  function selectAll(table, on) {
    table.selected = new Set(on ? table.items.map((i) => i.entry_id) : []);
    for (const box of table.root.querySelectorAll('tbody input.select')) box.checked = on;
    toggle(table, null, false);
  }

  /** The entries table with its bulk actions, into `root`; `refresh` reloads what it shows after a decision. */
  function renderEntries(name, root, items, showCase, refresh) {
    const table = { name, root, items, selected: new Set(), cursor: -1, refresh };
    tables[name] = table;
    const rejectPanel = h('div', { class: 'reject-panel', hidden: true });
    const reason = h('select', { id: `${name}-reason` }, REJECT_REASONS.map(([v, t]) => h('option', { value: v, text: t })));
    const note = h('input', { id: `${name}-note`, maxlength: '500', autocomplete: 'off' });
    rejectPanel.append(
      h('label', { for: `${name}-reason`, text: 'Reason' }), reason,
      h('label', { for: `${name}-note`, text: 'Note (needed for other)' }), note,
      h('button', { type: 'button', class: 'danger', 'data-action': 'reject-confirm', text: 'Reject the selected entries',
        onclick: () => run(() => decide(table, 'reject', { reason: reason.value, note: note.value.trim() || undefined })) }),
      h('button', { type: 'button', text: 'Cancel', onclick: () => { rejectPanel.hidden = true; } }));
    table.rejectPanel = rejectPanel;
    const all = h('input', { type: 'checkbox', class: 'select-all', id: `${name}-all`, onchange: (e) => selectAll(table, e.target.checked) });
    const toolbar = h('div', { class: 'controls toolbar', role: 'group', 'aria-label': 'Decide on the selected entries' },
      all, h('label', { for: `${name}-all`, text: 'Select all' }),
      h('span', { class: 'selected-count muted', text: '0 selected' }),
      h('button', { type: 'button', 'data-action': 'verify', 'aria-keyshortcuts': 'v', onclick: () => run(() => decide(table, 'verify')) }, 'Verify ', h('kbd', { text: 'v' })),
      h('button', { type: 'button', 'data-action': 'reject', 'aria-keyshortcuts': 'r', onclick: () => openReject(table) }, 'Reject… ', h('kbd', { text: 'r' })),
      h('button', { type: 'button', 'data-action': 'quarantine', 'aria-keyshortcuts': 'q', onclick: () => run(() => decide(table, 'quarantine')) }, 'Quarantine ', h('kbd', { text: 'q' })));
    if (!items.length) {
      root.replaceChildren(h('p', { class: 'muted empty', text: 'No entry here.' }));
      return;
    }
    const head = ['', 'Entry', showCase ? 'Case' : null, 'Kind', 'Quality', 'State', 'Category', 'Submitted',
      'Near duplicates', 'Same / near hash cases', 'Platform signals', 'Flags'].filter((c) => c !== null);
    const body = h('tbody', {}, items.map((item, i) => entryRow(table, item, i, showCase)));
    table.body = body;
    root.replaceChildren(toolbar, rejectPanel, h('div', { class: 'scroll' }, h('table', { class: 'entries' },
      h('caption', { class: 'visually-hidden', text: 'Entries; no media is shown' }),
      h('thead', {}, h('tr', {}, head.map((c, i) => h('th', { scope: 'col' }, i === 0 ? h('span', { class: 'visually-hidden', text: 'Select' }) : c)))),
      body)));
  }

  function openReject(table) {
    if (!table.selected.size) {
      say('Select entries first: x selects the current one, a every one shown.');
      return;
    }
    table.rejectPanel.hidden = false;
    table.rejectPanel.querySelector('select').focus();
  }

  async function decide(table, action, extra) {
    const ids = [...table.selected];
    if (!ids.length) {
      say('Select entries first: x selects the current one, a every one shown.');
      return;
    }
    if (action === 'reject' && extra.reason === 'other' && !extra.note) {
      fail({ message: 'Say why in the note when the reason is other.' });
      table.rejectPanel.querySelector('input').focus();
      return;
    }
    const out = await api('POST', `/v1/review/entries/${action}`, { entry_ids: ids, ...(extra || {}) });
    const counts = {};
    for (const e of out.entries) counts[e.state] = (counts[e.state] || 0) + 1;
    const summary = Object.entries(counts).map(([s, n]) => `${n} ${words(s)}`).join(', ');
    const verb = { verify: 'Verified', reject: 'Rejected', quarantine: 'Quarantined' }[action];
    await table.refresh();
    say(`${verb} ${plural(ids.length, 'entry', 'entries')}: now ${summary}.`);
  }

  function moveCursor(table, step) {
    if (!table || !table.body) return;
    const rows = table.body.rows;
    if (!rows.length) return;
    const next = Math.max(0, Math.min(rows.length - 1, table.cursor + step));
    table.cursor = next;
    rows[next].focus();
  }

  // ------------------------------------------------------------------ the queue

  async function loadQueue() {
    const list = $('queue-list').value;
    const state = QUEUE_STATES[$('queue-state').value] || 'pending';
    const limit = $('queue-limit').value;
    const queue = await api('GET', `/v1/review/queue?list=${q(list)}&state=${state}&limit=${q(limit)}`);
    $('queue-total').textContent = `${plural(queue.total, `${state} entry`, `${state} entries`)} in ${queue.list}` +
      (queue.total > queue.items.length ? `; the oldest ${queue.items.length} shown.` : '.');
    renderEntries('queue', $('queue-entries'), queue.items, true, loadQueue);
  }

  // ------------------------------------------------------------------ a case

  async function openCase(id) {
    caseId = id;
    $('case-id').value = id;
    await show('case');
  }

  function fact(name, value) {
    return [h('dt', { text: name }), h('dd', {}, value)];
  }

  async function loadCase(id) {
    const [c, directory] = await Promise.all([api('GET', `/v1/review/cases/${q(id)}`), api('GET', '/v1/hosts')]);
    caseId = c.case_id;
    const d = c.declarations;
    const declared = d
      ? `${words(d.declarant)}; depicts the person: ${d.depicts_person ? 'yes' : 'no'}; intimate: ${d.intimate ? 'yes' : 'no'}; without consent: ${d.no_consent ? 'yes' : 'no'}`
      : 'none';
    const pending = c.pending_rejection
      ? `rejection asked by ${c.pending_rejection.requested_by}, waiting for a second analyst until ${when(c.pending_rejection.expires_at)}`
      : null;
    $('case-facts').replaceChildren(
      ...fact('Case', h('code', { text: c.case_id })),
      ...fact('List', c.list),
      ...fact('Category', words(c.category)),
      ...fact('State', h('span', { class: `state ${c.state}`, text: c.state })),
      ...fact('Submitted', when(c.created_at)),
      ...fact('Contact left', c.has_contact ? 'yes' : 'no'),
      ...fact('Declarations', declared),
      ...(pending ? fact('Pending', pending) : []));
    $('case-forward').hidden = !c.forward_required;
    $('case-contact').hidden = !(session.me.contact_access && c.has_contact);
    $('contact-value').replaceChildren();
    renderUrls(c);
    renderCaseHosts(c, directory.hosts);
    renderNotices($('case-notices'), c.notices, 'case');
    $('case-forwards').replaceChildren(c.forwards.length
      ? forwardsTable(c.forwards, false)
      : h('p', { class: 'muted', text: 'None recorded.' }));
    renderForwardForm(c);
    renderEntries('case', $('case-entries'), c.entries, false, () => loadCase(c.case_id));
    renderRejection(c);
    $('case-body').hidden = false;
  }

  /** A key id, said to be the signed-in analyst's when it is. */
  const who = (keyId) => (session && session.me && keyId === session.me.id ? `${keyId} (you)` : keyId);

  // ------------------------------------------------------------------ hosts: where notices go

  /** The directory's contact for `host`: its own entry, else its nearest parent domain's (hotline's `contact_for`). */
  function contactFor(host, byHost) {
    const candidates = [host];
    for (let i = host.indexOf('.'); i >= 0; i = host.indexOf('.', i + 1)) {
      const parent = host.slice(i + 1);
      if (parent.includes('.')) candidates.push(parent);
    }
    const found = candidates.find((c) => byHost.has(c));
    return found ? byHost.get(found) : null;
  }

  const langName = (l) => (LANGS.find(([v]) => v === l) || [l, l])[1];

  /** Where a notice to `host` goes with the directory's `contact` (hotline's `channel_for`). */
  function contactText(contact, host) {
    if (!contact) return 'no entry: through the API';
    const via = contact.api_integrated || !contact.abuse_email ? 'through the API' : `e-mail to ${contact.abuse_email}`;
    const lang = contact.lang ? `, in ${langName(contact.lang)}` : '';
    return via + lang + (contact.host === host ? '' : ` (${contact.host}'s entry)`);
  }

  function langOptions() {
    return [h('option', { value: '', text: 'not set (French)' }), ...LANGS.map(([v, t]) => h('option', { value: v, text: t }))];
  }

  /** The hosts of the case's URLs, where their notices go now, and fields to set or correct each one's contact. */
  function renderCaseHosts(c, directory) {
    const byHost = new Map(directory.map((d) => [d.host, d]));
    const hosts = [...new Set(c.urls.map((u) => u.host).filter(Boolean))].sort();
    caseHosts = hosts.map((host, i) => {
      const own = byHost.get(host);
      const email = h('input', {
        type: 'email', id: `case-host-${i}-email`, maxlength: '254', autocomplete: 'off', spellcheck: 'false',
        'aria-label': `Abuse address of ${host}`, value: (own && own.abuse_email) || '',
      });
      const lang = h('select', { id: `case-host-${i}-lang`, 'aria-label': `Language of ${host}'s notices` }, langOptions());
      lang.value = (own && own.lang) || '';
      const api = h('input', { type: 'checkbox', id: `case-host-${i}-api`, 'aria-label': `${host} is API-integrated` });
      api.checked = Boolean(own && own.api_integrated);
      const row = h('tr', { dataset: { host } },
        h('th', { scope: 'row' }, h('code', { text: host })),
        h('td', { text: contactText(contactFor(host, byHost), host) }),
        h('td', {}, email), h('td', {}, lang), h('td', {}, api));
      return { host, initial: { email: email.value, lang: lang.value, api: api.checked }, email, lang, api, row };
    });
    if (!caseHosts.length) {
      $('case-hosts').replaceChildren();
      return;
    }
    $('case-hosts').replaceChildren(
      h('h3', { text: 'Where the notices go' }),
      h('p', { class: 'muted', text: 'Set or correct a host\'s contact here: a change is saved in the hosts directory (audited) with the decisions, before the notices are written, or alone when no URL is decided.' }),
      h('div', { class: 'scroll' }, h('table', { class: 'hosts' },
        h('caption', { class: 'visually-hidden', text: 'The hosts of the case\'s URLs and their contacts' }),
        h('thead', {}, h('tr', {}, ['Host', 'Notices go now', 'Abuse address', 'Language', 'API-integrated'].map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', {}, caseHosts.map((x) => x.row)))));
  }

  /** The contacts changed in the case's hosts table, as `POST .../urls` takes them. */
  function changedContacts() {
    return caseHosts
      .filter((x) => x.email.value.trim() !== x.initial.email || x.lang.value !== x.initial.lang || x.api.checked !== x.initial.api)
      .map((x) => ({ host: x.host, abuse_email: x.email.value.trim() || undefined, lang: x.lang.value || undefined, api_integrated: x.api.checked }));
  }

  const contactRequest = (c) => ({ abuse_email: c.abuse_email, lang: c.lang, api_integrated: c.api_integrated });

  async function loadHosts() {
    const list = await api('GET', '/v1/hosts');
    if (!list.hosts.length) {
      $('hosts-list').replaceChildren(h('p', { class: 'muted empty', text: 'The directory is empty: every notice goes through the API.' }));
      return;
    }
    const admin = session.me.role === 'admin';
    const rows = list.hosts.map((c) => h('tr', { dataset: { host: c.host } },
      h('th', { scope: 'row' }, h('code', { text: c.host })),
      h('td', {}, c.abuse_email ? h('code', { text: c.abuse_email }) : '—'),
      h('td', { text: c.lang ? langName(c.lang) : 'not set' }),
      h('td', { text: c.api_integrated ? 'yes' : 'no' }),
      h('td', { text: contactText(c, c.host) }),
      h('td', { text: when(c.updated_at) }),
      h('td', { class: 'actions' },
        h('button', { type: 'button', 'data-action': 'edit', text: 'Edit', 'aria-label': `Edit the contact of ${c.host}`, onclick: () => editHost(c) }),
        admin ? h('button', { type: 'button', 'data-action': 'remove', text: 'Remove', 'aria-label': `Remove ${c.host} from the directory`, onclick: () => run(() => removeHost(c.host)) }) : null)));
    $('hosts-list').replaceChildren(h('div', { class: 'scroll' }, h('table', { class: 'hosts' },
      h('caption', { class: 'visually-hidden', text: 'The hosts directory' }),
      h('thead', {}, h('tr', {}, ['Host', 'Abuse address', 'Language', 'API-integrated', 'Notices go', 'Changed', 'Actions'].map((t) => h('th', { scope: 'col', text: t })))),
      h('tbody', {}, rows))));
  }

  function editHost(c) {
    $('host-name').value = c.host;
    $('host-email').value = c.abuse_email || '';
    $('host-lang').value = c.lang || '';
    $('host-api').checked = Boolean(c.api_integrated);
    $('host-email').focus();
  }

  async function saveHost(event) {
    event.preventDefault();
    const host = $('host-name').value.trim().toLowerCase();
    if (!host) {
      fail({ message: 'Name the host first (e.g. example.com).' });
      $('host-name').focus();
      return;
    }
    const saved = await api('PUT', `/v1/hosts/${q(host)}`, {
      abuse_email: $('host-email').value.trim() || undefined, lang: $('host-lang').value || undefined, api_integrated: $('host-api').checked,
    });
    await loadHosts();
    say(`Contact of ${saved.host} saved: notices go ${contactText(saved, saved.host)}.`);
  }

  async function removeHost(host) {
    if (!window.confirm(`Remove ${host} from the directory? Its next notices go through the API.`)) return;
    await api('DELETE', `/v1/hosts/${q(host)}`);
    await loadHosts();
    say(`${host} removed from the directory.`);
  }

  // ------------------------------------------------------------------ forwards to the authorities

  function caseLink(id) {
    return h('button', { type: 'button', class: 'link', text: id.slice(0, 12) + '…', title: id, 'aria-label': `Open case ${id}`, onclick: () => run(() => openCase(id)) });
  }

  /** A table of forwards; `withCase` adds a column with each one's case. */
  function forwardsTable(forwards, withCase) {
    const head = [withCase ? 'Case' : null, 'Authority', 'Their reference', 'Forwarded', 'URLs', 'Recorded by', 'Note']
      .filter((c) => c !== null);
    return h('div', { class: 'scroll' }, h('table', { class: 'forwards' },
      h('caption', { class: 'visually-hidden', text: 'Forwards to the authorities, oldest first' }),
      h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col', text: c })))),
      h('tbody', {}, forwards.map((f) => h('tr', { dataset: { forward: f.id, authority: f.authority } },
        withCase ? h('td', {}, caseLink(f.case_id)) : null,
        h('td', { text: AUTHORITIES[f.authority] || f.authority }),
        h('td', {}, h('code', { text: f.reference })),
        h('td', { text: when(f.forwarded_at) }),
        h('td', {}, f.urls.length
          ? h('ul', { class: 'plain' }, f.urls.map((u) => h('li', {}, h('code', { class: 'url', text: u }))))
          : 'the whole case'),
        h('td', { text: `${who(f.recorded_by)}, ${when(f.recorded_at)}` }),
        h('td', { text: f.note || '' }))))));
  }

  /** The forward form for case `c`: its URLs to tick, ICCAM offered for a minor's case only, the date now. */
  function renderForwardForm(c) {
    const inhope = $('forward-authority').querySelector('option[value=inhope]');
    inhope.disabled = c.category !== 'minor';
    inhope.textContent = inhope.disabled
      ? 'INHOPE / ICCAM (child sexual abuse material only: not this case)'
      : 'INHOPE / ICCAM (child sexual abuse material hosted abroad)';
    if (inhope.disabled && $('forward-authority').value === 'inhope') $('forward-authority').value = 'pharos';
    $('forward-reference').value = '';
    $('forward-note').value = '';
    forwardAt = { now: Date.now(), untouched: '' };
    $('forward-at').value = localInput(forwardAt.now);
    forwardAt.untouched = $('forward-at').value;
    const urls = $('forward-urls');
    urls.replaceChildren(urls.querySelector('legend'), ...c.urls.map((u) => {
      const id = `forward-url-${u.index}`;
      return h('span', { class: 'choice' },
        h('input', { type: 'checkbox', id, value: String(u.index) }),
        h('label', { for: id }, `#${u.index} `, h('code', { class: 'url', text: u.url })));
    }));
    urls.hidden = c.urls.length === 0;
  }

  async function recordForward(event) {
    event.preventDefault();
    if (!caseId) return;
    const reference = $('forward-reference').value.trim();
    if (!reference) {
      fail({ message: 'Give the reference the authority gave the report.' });
      $('forward-reference').focus();
      return;
    }
    const body = {
      authority: $('forward-authority').value,
      reference,
      urls: [...$('forward-urls').querySelectorAll('input:checked')].map((i) => Number(i.value)),
      note: $('forward-note').value.trim() || undefined,
    };
    // Untouched, the date means "now", which the server takes when none is given.
    if ($('forward-at').value !== forwardAt.untouched) {
      const ms = new Date($('forward-at').value).getTime();
      if (!Number.isFinite(ms)) throw new ApiError(0, 'invalid_date', 'Give the date of the forward.');
      body.at = ms;
    }
    const f = await api('POST', `/v1/review/cases/${q(caseId)}/forwards`, body);
    await loadCase(caseId);
    $('case-forwards-title').focus();
    say(`Forward to ${AUTHORITIES[f.authority] || f.authority} recorded: their reference ${f.reference}, ${f.urls.length ? plural(f.urls.length, 'URL', 'URLs') : 'the whole case'}.`);
  }

  /** `from`, `to` and `authority` of the forwards view's form; `from` given, it starts there instead. */
  function forwardsQuery(from) {
    const day = (v) => new Date(`${v}T00:00:00Z`).getTime();
    const params = [];
    const start = from !== null && from !== undefined ? Number(from) : ($('forwards-from').value ? day($('forwards-from').value) : null);
    if (Number.isFinite(start)) params.push(`from=${start}`);
    if ($('forwards-to').value) params.push(`to=${day($('forwards-to').value) + DAY_MS}`);
    if ($('forwards-authority').value) params.push(`authority=${q($('forwards-authority').value)}`);
    return params.length ? `?${params.join('&')}` : '';
  }

  async function loadForwards(more) {
    const page = await api('GET', `/v1/forwards${forwardsQuery(more ? forwardsPage.next : null)}`);
    const items = more ? forwardsPage.items.concat(page.forwards) : page.forwards;
    forwardsPage = { items, next: page.has_more ? page.next_from : null };
    $('forwards-list').replaceChildren(items.length
      ? forwardsTable(items, true)
      : h('p', { class: 'muted empty', text: 'No forward recorded in this period.' }));
    $('forwards-more').hidden = forwardsPage.next === null;
  }

  /** How many records a CSV text holds, header included (a quoted field may hold a line break). */
  function csvRecords(text) {
    let records = 0;
    let quoted = false;
    for (const ch of text) {
      if (ch === '"') quoted = !quoted;
      else if (ch === '\n' && !quoted) records += 1;
    }
    return records + (text && !text.endsWith('\n') ? 1 : 0);
  }

  /** Fetches the forwards' CSV with the key and offers it as a file to download (from `from` when given). */
  async function prepareCsv(from) {
    const { text, next } = await api('GET', `/v1/forwards/csv${forwardsQuery(from)}`, undefined, true);
    if (csvUrl) URL.revokeObjectURL(csvUrl);
    const blob = new Blob([text], { type: 'text/csv;charset=utf-8' });
    csvUrl = URL.createObjectURL(blob);
    const rows = Math.max(0, csvRecords(text) - 1);
    const link = h('a', { id: 'forwards-csv-link', href: csvUrl, download: 'forwards.csv', dataset: { bytes: String(blob.size), rows: String(rows) } },
      'Download forwards.csv');
    $('forwards-download').replaceChildren(link, ` (${plural(rows, 'forward', 'forwards')}, ${blob.size} bytes).`,
      next ? h('button', { type: 'button', id: 'forwards-csv-next', text: `More remain: prepare the next file (from ${when(Number(next))})`, onclick: () => run(() => prepareCsv(next)) }) : null);
    link.focus();
    say(`The CSV file is ready: ${plural(rows, 'forward', 'forwards')}${next ? '; more remain in a next file' : ''}.`);
  }

  // ------------------------------------------------------------------ rejecting the whole case

  function rejectReasonFields(label) {
    const reason = h('select', { id: 'case-reject-reason' }, REJECT_REASONS.map(([v, t]) => h('option', { value: v, text: t })));
    const note = h('input', { id: 'case-reject-note', maxlength: '500', autocomplete: 'off' });
    return { reason, note, fields: [h('label', { for: 'case-reject-reason', text: label }), reason, h('label', { for: 'case-reject-note', text: 'Note (needed for other)' }), note] };
  }

  /** Where the rejection of the whole case stands: none asked, asked and waiting for a second analyst, or done. */
  function renderRejection(c) {
    const root = $('case-rejection');
    const live = c.entries.filter((e) => e.state !== 'withdrawn');
    const pending = c.pending_rejection;
    const confirmed = confirmedRejections.get(c.case_id);
    if (c.state === 'withdrawn') {
      root.dataset.step = 'withdrawn';
      root.replaceChildren(h('p', { class: 'muted', text: 'The victim withdrew this case: nothing to reject.' }));
    } else if (pending && pending.step === 'awaiting_second_analyst') {
      root.dataset.step = 'awaiting_second_analyst';
      const mine = session.me.id === pending.requested_by;
      const reason = (REJECT_REASONS.find(([v]) => v === pending.reason) || [pending.reason, words(pending.reason)])[1];
      root.replaceChildren(
        h('p', { class: 'warning', id: 'case-reject-waiting' },
          h('strong', { text: 'Waiting for a second analyst. ' }),
          `Rejection of the whole case asked by ${who(pending.requested_by)}, reason: ${reason}${pending.note ? `; note: ${pending.note}` : ''}. It needs another analyst than ${pending.requested_by} to confirm it before ${when(pending.expires_at)}, or the request lapses.`,
          mine ? ' You asked for it: you cannot confirm it yourself.' : ''),
        h('div', { class: 'controls' },
          h('button', {
            type: 'button', id: 'case-reject-confirm', class: 'danger', disabled: mine, 'aria-describedby': 'case-reject-waiting',
            text: 'Confirm the rejection of the whole case',
            onclick: () => run(() => rejectCase(pending.reason, pending.note || '')),
          })),
        mine ? null : h('p', { class: 'muted', text: 'Confirming applies this reason and note: every entry of the case leaves the list.' }));
    } else if (live.length && live.every((e) => e.state === 'rejected')) {
      root.dataset.step = 'rejected';
      root.replaceChildren(h('p', { class: 'ok', id: 'case-reject-done' }, confirmed
        ? `Rejected: every entry of this case, confirmed by ${confirmed.analysts.map(who).join(' and ')} (${plural(confirmed.entries, 'entry', 'entries')} changed).`
        : 'Rejected: every entry of this case is rejected.'));
    } else {
      root.dataset.step = 'none';
      const { reason, note, fields } = rejectReasonFields('Reason');
      root.replaceChildren(
        h('p', { class: 'muted', text: 'Every entry of the case leaves the list. When the hotline requires two analysts, this asks for it, and a second, different analyst confirms it here.' }),
        h('div', { class: 'controls' }, fields,
          h('button', {
            type: 'button', id: 'case-reject', class: 'danger', text: 'Reject the whole case…',
            onclick: () => run(() => rejectCase(reason.value, note.value.trim())),
          })));
    }
  }

  async function rejectCase(reason, note) {
    if (!caseId) return;
    if (reason === 'other' && !note) {
      fail({ message: 'Say why in the note when the reason is other.' });
      $('case-reject-note').focus();
      return;
    }
    const out = await api('POST', `/v1/review/cases/${q(caseId)}/reject`, { reason, note: note || undefined });
    if (out.step === 'rejected') confirmedRejections.set(caseId, out);
    await loadCase(caseId);
    $('case-reject-title').focus();
    say(out.step === 'awaiting_second_analyst'
      ? `Rejection of the whole case asked: a second analyst (not you) must confirm it before ${when(out.expires_at)}.`
      : `Case rejected by ${out.analysts.map(who).join(' and ')}: ${plural(out.entries, 'entry', 'entries')} rejected.`);
  }

  function renderUrls(c) {
    const body = $('case-urls').tBodies[0];
    body.replaceChildren(...c.urls.map((u) => {
      const name = `url-${u.index}`;
      const choice = (value, text) => {
        const id = `${name}-${value}`;
        const input = h('input', { type: 'radio', name, id, value });
        if (value === 'keep') input.checked = true;
        return h('span', { class: 'choice' }, input, h('label', { for: id, text }));
      };
      return h('tr', { dataset: { url: String(u.index), review: u.review } },
        h('td', { class: 'num', text: String(u.index) }),
        h('td', {}, h('code', { class: 'url', text: u.url })),
        h('td', {}, h('span', { class: `state ${u.review}`, text: u.review })),
        h('td', {}, h('fieldset', { class: 'inline' },
          h('legend', { class: 'visually-hidden', text: `Decision on URL ${u.index}` }),
          choice('keep', 'as is'), choice('confirm', 'confirm'), choice('dismiss', 'dismiss'))));
    }));
    $('no-urls').hidden = c.urls.length > 0;
    $('urls-actions').hidden = c.urls.length === 0;
  }

  async function reviewUrls(event) {
    event.preventDefault();
    if (!caseId) return;
    const confirm = [];
    const dismiss = [];
    for (const input of $('case-urls').querySelectorAll('input[type=radio]:checked')) {
      const index = Number(input.name.slice(4));
      if (input.value === 'confirm') confirm.push(index);
      if (input.value === 'dismiss') dismiss.push(index);
    }
    const contacts = changedContacts();
    if (!confirm.length && !dismiss.length) {
      if (!contacts.length) {
        say('Nothing to record: choose confirm or dismiss for a URL, or change a host\'s contact, first.');
        return;
      }
      for (const c of contacts) await api('PUT', `/v1/hosts/${q(c.host)}`, contactRequest(c));
      await loadCase(caseId);
      say(`Contact of ${contacts.map((c) => c.host).join(', ')} saved.`);
      return;
    }
    const body = { confirm, dismiss };
    if (contacts.length) body.contacts = contacts;
    if ($('urls-lang').value) body.lang = $('urls-lang').value;
    if ($('urls-ground').value) body.ground = $('urls-ground').value;
    const out = await api('POST', `/v1/review/cases/${q(caseId)}/urls`, body);
    await loadCase(caseId);
    say(`${confirm.length} confirmed, ${dismiss.length} dismissed; ${plural(out.notices.length, 'notice', 'notices')} produced` +
      (out.notices.length ? ' as drafts: send them below.' : '.') +
      (contacts.length ? ` Contact of ${contacts.map((c) => c.host).join(', ')} saved.` : ''));
  }

  async function openContact() {
    if (!caseId || !session.me.contact_access) return;
    // The opening is recorded in the audit log with the key and the case: ask before doing it.
    if (!window.confirm('Opening the contact is recorded in the audit log with your key. Open it?')) return;
    const c = await api('GET', `/v1/review/cases/${q(caseId)}/contact`);
    $('contact-value').replaceChildren('Contact: ', h('code', { text: c.contact }));
  }

  // ------------------------------------------------------------------ notices

  function outcomeText(n) {
    if (n.state === 'removed') return `removed ${when(n.decided_at)} (after ${duration(n.time_to_removal_ms)})`;
    if (n.state === 'rejected') return `rejected ${when(n.decided_at)}`;
    if (n.state === 'no_answer') return `no answer (recorded ${when(n.decided_at)})`;
    return '—';
  }

  /** A table of notices into `root`; `where` is `case` or `notices` (which view it sits in). */
  function renderNotices(root, notices, where) {
    if (!notices.length) {
      root.replaceChildren(h('p', { class: 'muted empty', text: 'No notice.' }));
      return;
    }
    const rows = notices.map((n, i) => h('tr', {
      tabindex: '-1', dataset: { notice: n.id, state: n.state, index: String(i) },
      onfocusin: () => { if (where === 'notices') noticeRows.cursor = i; },
    },
    h('th', { scope: 'row' }, h('button', { type: 'button', class: 'link', text: n.id, 'aria-label': `Notice ${n.id} to ${n.host}`, onclick: () => run(() => showNotice(n.id, where)) })),
    h('td', { text: n.host }),
    h('td', {}, h('span', { class: `state ${n.state}`, text: words(n.state) })),
    h('td', { text: n.channel ? (n.channel === 'email' ? `e-mail to ${n.email_to || '?'}` : 'API') : '—' }),
    h('td', { class: 'num', text: String(n.urls.length) }),
    h('td', { text: when(n.sent_at) }),
    h('td', { text: n.reminders ? `${n.reminders} (last ${when(n.last_reminded_at)})` : '0' }),
    h('td', { text: outcomeText(n) }),
    where === 'notices' && n.case_id
      ? h('td', {}, h('button', { type: 'button', class: 'link', text: n.case_id.slice(0, 12) + '…', title: n.case_id, 'aria-label': `Open case ${n.case_id}`, onclick: () => run(() => openCase(n.case_id)) }))
      : null));
    const head = ['Notice', 'Host', 'State', 'Channel', 'URLs', 'Sent', 'Reminders', 'Outcome', where === 'notices' ? 'Case' : null]
      .filter((c) => c !== null);
    const body = h('tbody', {}, rows);
    root.replaceChildren(h('div', { class: 'scroll' }, h('table', { class: 'notices' },
      h('caption', { class: 'visually-hidden', text: 'Takedown notices' }),
      h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col', text: c })))), body)));
    if (where === 'notices') noticeRows.body = body;
    else {
      const detail = h('div', { class: 'notice-detail', id: 'case-notice-detail', hidden: true });
      root.append(detail);
    }
  }

  async function loadNotices(more) {
    const state = $('notices-state').value;
    let path = `/v1/notices?limit=100${state ? `&state=${q(state)}` : ''}`;
    if (more && noticeRows.next) path += `&cursor=${q(noticeRows.next)}`;
    const page = await api('GET', path);
    const items = more ? noticeRows.items.concat(page.notices) : page.notices;
    noticeRows = { items, cursor: more ? noticeRows.cursor : -1, next: page.has_more ? page.next_cursor : null };
    renderNotices($('notices-list'), items, 'notices');
    $('notices-more').hidden = !noticeRows.next;
    if (!more) {
      $('notice-detail').hidden = true;
      $('notice-detail').replaceChildren();
    }
  }

  /** Datetime-local text of `ms` in the browser's time zone, to the second. */
  function localInput(ms) {
    const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
    return d.toISOString().slice(0, 19);
  }

  async function showNotice(id, where) {
    const n = await api('GET', `/v1/notices/${q(id)}`);
    const detail = where === 'case' ? $('case-notice-detail') : $('notice-detail');
    const actions = h('div', { class: 'controls' });
    const reload = async () => {
      if (where === 'case') await loadCase(caseId);
      else await loadNotices(false);
      await showNotice(id, where);
    };
    if (n.state === 'draft') {
      actions.append(h('button', {
        type: 'button', 'data-action': 'send', text: 'Send this notice',
        onclick: () => run(async () => {
          const sent = await api('POST', `/v1/notices/${q(id)}/send`);
          await reload();
          say(`Notice ${id} sent ${sent.channel === 'email' ? `by e-mail to ${sent.email_to}` : 'through the API'}.`);
        }),
      }));
    }
    let outcomeForm = null;
    if (['sent', 'acknowledged', 'no_answer'].includes(n.state)) {
      const now = Date.now();
      const outcome = h('select', { id: `${where}-outcome` },
        h('option', { value: 'removed', text: 'removed' }),
        h('option', { value: 'rejected', text: 'rejected (not removed)' }),
        h('option', { value: 'no_answer', text: 'no answer' }));
      const at = h('input', { id: `${where}-outcome-at`, type: 'datetime-local', step: '1', value: localInput(now), required: true });
      const note = h('input', { id: `${where}-outcome-note`, maxlength: '2000', autocomplete: 'off' });
      outcomeForm = h('form', { class: 'controls outcome', novalidate: true, 'aria-label': 'Record an outcome received outside the API' },
        h('label', { for: `${where}-outcome`, text: 'Outcome' }), outcome,
        h('label', { for: `${where}-outcome-at`, text: 'On' }), at,
        h('label', { for: `${where}-outcome-note`, text: 'Note (where the answer came from)' }), note,
        h('button', { type: 'submit', 'data-action': 'outcome', text: 'Record the outcome' }));
      const untouched = at.value;
      outcomeForm.addEventListener('submit', (e) => {
        e.preventDefault();
        run(async () => {
          // Untouched, the field means "now", to the millisecond (the field itself stops at the second).
          const ms = at.value === untouched ? Math.min(now, Date.now()) : new Date(at.value).getTime();
          if (!Number.isFinite(ms)) throw new ApiError(0, 'invalid_date', 'Give the date of the outcome.');
          await api('POST', `/v1/notices/${q(id)}/outcome`, { outcome: outcome.value, at: ms, note: note.value.trim() || undefined });
          await reload();
          say(`Outcome of notice ${id} recorded: ${words(outcome.value)}.`);
        });
      });
    }
    detail.replaceChildren(
      h('h3', { text: n.subject, tabindex: '-1' }),
      h('dl', { class: 'facts' },
        ...fact('Notice', h('code', { text: n.id })),
        ...fact('Host', n.host),
        ...fact('State', h('span', { class: `state ${n.state}`, text: words(n.state) })),
        ...fact('Legal ground', `${words(n.ground)} (${n.citation})`),
        ...fact('Channel', n.channel ? (n.channel === 'email' ? `e-mail to ${n.email_to || '?'}` : 'API') : 'not sent yet'),
        ...fact('Produced', when(n.created_at)),
        ...fact('Sent', when(n.sent_at)),
        ...fact('Acknowledged', when(n.acknowledged_at)),
        ...fact('Reminders', n.reminders ? `${n.reminders}, the last ${when(n.last_reminded_at)}` : 'none'),
        ...fact('Outcome', outcomeText(n)),
        ...fact('Time to removal', duration(n.time_to_removal_ms)),
        ...(n.decision_reason ? fact('Reason given', n.decision_reason) : []),
        ...(n.outcome_note ? fact('Note', n.outcome_note) : [])),
      h('h4', { text: 'URLs' }),
      h('ul', { class: 'plain' }, n.urls.map((u) => h('li', {}, h('code', { class: 'url', text: u })))),
      actions, outcomeForm,
      h('h4', { text: 'History' }),
      n.history && n.history.length
        ? h('ol', { class: 'history' }, n.history.map((e) => h('li', {
          text: `${when(e.at)}: ${words(e.kind)}${e.channel ? ` (${e.channel})` : ''}${e.reminder ? ` #${e.reminder}` : ''}${e.attempt ? `, attempt ${e.attempt}` : ''}${e.detail ? `: ${e.detail}` : ''}`,
        })))
        : h('p', { class: 'muted', text: 'Nothing yet.' }),
      h('details', {}, h('summary', { text: 'The text sent' }), h('pre', { class: 'body', text: n.body })));
    detail.hidden = false;
    detail.dataset.notice = n.id;
    detail.dataset.state = n.state;
    // The heading, not the first control: the shortcuts keep working, and Tab reaches the actions next.
    detail.querySelector('h3').focus();
  }

  // ------------------------------------------------------------------ the audit log (admins)

  const AUDIT_PAGE = 50;

  async function loadAudit(from) {
    let start = from;
    if (start === null) {
      const probe = await api('GET', '/v1/admin/audit?limit=1');
      start = Math.max(1, probe.head.seq - AUDIT_PAGE + 1);
    }
    const page = await api('GET', `/v1/admin/audit?from=${start}&limit=${AUDIT_PAGE}`);
    auditFrom = start;
    $('audit-head').textContent = `${plural(page.head.seq, 'record', 'records')}; head ${page.head.hash.slice(0, 16)}…; records ${start} to ${start + page.records.length - 1} shown, newest first.`;
    const rows = page.records.slice().reverse().map((r) => {
      const e = r.entry;
      const details = Object.entries(e.details).map(([k, v]) => `${k}=${v}`).join(', ');
      return h('tr', { dataset: { seq: String(e.seq), action: e.action } },
        h('th', { scope: 'row', class: 'num', text: String(e.seq) }),
        h('td', { text: when(e.time) }),
        h('td', { text: `${e.actor.role}${e.actor.key_id ? ` ${e.actor.key_id}` : ''}` }),
        h('td', { text: words(e.action) }),
        h('td', {}, h('code', { text: e.target })),
        h('td', { text: details }),
        h('td', {}, h('code', { text: r.hash.slice(0, 12), title: r.hash })));
    });
    $('audit-records').replaceChildren(h('div', { class: 'scroll' }, h('table', { class: 'audit' },
      h('caption', { class: 'visually-hidden', text: 'Audit records, newest first' }),
      h('thead', {}, h('tr', {}, ['#', 'When', 'Who', 'What', 'On', 'Details', 'Hash'].map((c) => h('th', { scope: 'col', text: c })))),
      h('tbody', {}, rows))));
    $('audit-older').disabled = start <= 1;
    $('audit-newer').disabled = start + page.records.length > page.head.seq;
  }

  async function verifyAudit() {
    const v = await api('GET', '/v1/admin/audit/verify');
    const verdict = $('audit-verdict');
    verdict.dataset.ok = String(v.ok);
    verdict.className = v.ok ? 'ok' : 'error';
    verdict.textContent = v.ok
      ? `The chain verifies: ${plural(v.head.seq, 'record', 'records')}, every one linked to the one before, ending at the recorded head ${v.head.hash.slice(0, 16)}….`
      : `The chain is broken at record ${v.broken_at}: ${v.problem}.`;
  }

  // ------------------------------------------------------------------ statistics

  async function loadStats() {
    const s = await api('GET', '/v1/stats');
    const min = `<${s.minimum}`;
    const n = (v) => (v === null || v === undefined ? min : String(v));
    const section = (title, ...content) => h('section', { class: 'figure' }, h('h2', { text: title }), ...content);
    const series = (title, x) => section(title, h('table', {},
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Label' }), h('th', { scope: 'col', text: 'Count' }))),
      h('tbody', {}, x.items.map((i) => h('tr', {}, h('th', { scope: 'row', text: words(i.key) }), h('td', { class: 'num', text: n(i.count) })))),
      h('tfoot', {}, h('tr', {}, h('th', { scope: 'row', text: 'Total' }), h('td', { class: 'num', text: n(x.total) })))));
    const table = (title, t) => section(title, h('div', { class: 'scroll' }, h('table', {},
      h('thead', {}, h('tr', {}, h('td', {}), t.columns.map((c) => h('th', { scope: 'col', text: words(c) })), h('th', { scope: 'col', text: 'Total' }))),
      h('tbody', {}, t.rows.map((r, i) => h('tr', {}, h('th', { scope: 'row', text: words(r) }),
        t.cells[i].map((c) => h('td', { class: 'num', text: n(c) })), h('td', { class: 'num', text: n(t.row_totals[i]) })))),
      h('tfoot', {}, h('tr', {}, h('th', { scope: 'row', text: 'Total' }), t.column_totals.map((c) => h('td', { class: 'num', text: n(c) })),
        h('td', { class: 'num', text: n(t.total) }))))));
    const rates = (title, list) => section(title, list.length ? h('table', {},
      h('thead', {}, h('tr', {}, ['', 'Removed', 'Sent', 'Rate'].map((c) => h('th', { scope: 'col', text: c })))),
      h('tbody', {}, list.map((r) => h('tr', {}, h('th', { scope: 'row', text: r.key }), h('td', { class: 'num', text: n(r.removed) }),
        h('td', { class: 'num', text: n(r.sent) }),
        h('td', {}, r.percent === null || r.percent === undefined ? min
          : h('span', {}, h('meter', { min: '0', max: '100', value: String(r.percent), 'aria-label': `${r.key}: ${r.percent} %` }), ` ${r.percent} %`))))))
      : h('p', { class: 'muted', text: 'Nothing published yet.' }));
    const rate = s.removal_rate;
    $('stats-body').replaceChildren(
      h('dl', { class: 'facts headline' },
        ...fact('Removal rate', rate.percent === null || rate.percent === undefined ? min : `${rate.percent} % (${n(rate.removed)} of ${n(rate.sent)} notices)`),
        ...fact('Median time to removal', s.median_ms_to_removal === null ? min : duration(s.median_ms_to_removal)),
        ...fact('Computed', when(s.computed_at))),
      series('Cases by month', s.cases_by_month),
      series('Cases by category', s.cases_by_category),
      series('URLs reported by month', s.urls_reported_by_month),
      series('URLs confirmed by month', s.urls_confirmed_by_month),
      table('Notices sent by month and outcome', s.notices_by_month),
      table('Notices by host and outcome', s.notices_by_platform),
      rates('Removal rate by month of sending', s.removal_rate_by_month),
      rates('Removal rate by host', s.removal_rate_by_platform),
      section('Median time to removal by month', h('table', {},
        h('tbody', {}, s.median_ms_to_removal_by_month.map((m) => h('tr', {}, h('th', { scope: 'row', text: m.key }), h('td', { text: m.median_ms === null ? min : duration(m.median_ms) })))))),
      series('Matches by month', s.matches_by_month),
      series('Removals by month', s.removals_by_month),
      table('Hashes by kind and state', s.hashes_by_kind_and_state));
  }

  // ------------------------------------------------------------------ keyboard

  /** Whether keys typed on `target` belong to it (text fields, lists), not to the shortcuts. */
  function typing(target) {
    if (!(target instanceof HTMLElement)) return false;
    if (target.tagName === 'INPUT') return !['checkbox', 'radio', 'button', 'submit'].includes(target.type);
    return target.isContentEditable || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT';
  }

  function onKey(event) {
    touch();
    if (!session || !session.me || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) {
      if (event.key === 'Escape') event.target.blur();
      return;
    }
    const table = tables[view];
    const number = ['1', '2', '3', '4', '5', '6', '7'].indexOf(event.key);
    let handled = true;
    if (number >= 0) run(() => show(VIEW_KEYS[number]));
    else if (event.key === '/') {
      showOnly('case');
      $('case-id').focus();
      $('case-id').select();
    } else if (event.key === '?') {
      $('shortcuts').scrollIntoView();
      $('shortcuts-title').focus();
    } else if (event.key === 'f' && view === 'case' && !$('case-body').hidden) $('forward-authority').focus();
    else if (event.key === 'g') run(loaders[view] || (() => {}));
    else if (view === 'notices' && (event.key === 'j' || event.key === 'k')) {
      const rows = noticeRows.body ? noticeRows.body.rows : [];
      if (rows.length) {
        noticeRows.cursor = Math.max(0, Math.min(rows.length - 1, noticeRows.cursor + (event.key === 'j' ? 1 : -1)));
        rows[noticeRows.cursor].focus();
      }
    } else if (view === 'notices' && (event.key === 'o' || event.key === 'Enter') && event.target.dataset && event.target.dataset.notice) {
      run(() => showNotice(event.target.dataset.notice, 'notices'));
    } else if (!table) handled = false;
    else if (event.key === 'j') moveCursor(table, 1);
    else if (event.key === 'k') moveCursor(table, -1);
    else if (event.key === 'x' && table.cursor >= 0) {
      const item = table.items[table.cursor];
      const box = table.body.rows[table.cursor].querySelector('input.select');
      box.checked = !box.checked;
      toggle(table, item.entry_id, box.checked);
    } else if (event.key === 'a') selectAll(table, table.selected.size !== table.items.length);
    else if (event.key === 'v') run(() => decide(table, 'verify'));
    else if (event.key === 'q') run(() => decide(table, 'quarantine'));
    else if (event.key === 'r') openReject(table);
    else if ((event.key === 'o' || event.key === 'Enter') && view === 'queue' && table.cursor >= 0
      && event.target.tagName === 'TR') run(() => openCase(table.items[table.cursor].case_id));
    else handled = false;
    if (handled) event.preventDefault();
  }

  // ------------------------------------------------------------------ wiring

  function init() {
    $('sign-in-form').addEventListener('submit', (e) => { signIn(e); });
    $('sign-out').addEventListener('click', () => signOut());
    for (const b of document.querySelectorAll('#nav button')) b.addEventListener('click', () => run(() => show(b.dataset.view)));
    $('queue-form').addEventListener('submit', (e) => { e.preventDefault(); run(loadQueue); });
    for (const id of ['queue-list', 'queue-state', 'queue-limit']) $(id).addEventListener('change', () => run(loadQueue));
    $('case-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const id = $('case-id').value.trim();
      if (id) run(() => openCase(id));
    });
    $('urls-form').addEventListener('submit', (e) => run(() => reviewUrls(e)));
    $('open-contact').addEventListener('click', () => run(openContact));
    $('notices-form').addEventListener('submit', (e) => { e.preventDefault(); run(() => loadNotices(false)); });
    $('notices-state').addEventListener('change', () => run(() => loadNotices(false)));
    $('notices-more').addEventListener('click', () => run(() => loadNotices(true)));
    $('audit-verify').addEventListener('click', () => run(verifyAudit));
    $('audit-newest').addEventListener('click', () => run(() => loadAudit(null)));
    $('audit-older').addEventListener('click', () => run(() => loadAudit(Math.max(1, auditFrom - AUDIT_PAGE))));
    $('audit-newer').addEventListener('click', () => run(() => loadAudit(auditFrom + AUDIT_PAGE)));
    $('stats-refresh').addEventListener('click', () => run(loadStats));
    $('forward-form').addEventListener('submit', (e) => run(() => recordForward(e)));
    $('host-lang').replaceChildren(...langOptions());
    $('host-form').addEventListener('submit', (e) => run(() => saveHost(e)));
    $('forwards-form').addEventListener('submit', (e) => { e.preventDefault(); run(() => loadForwards(false)); });
    $('forwards-authority').addEventListener('change', () => run(() => loadForwards(false)));
    $('forwards-more').addEventListener('click', () => run(() => loadForwards(true)));
    $('forwards-csv').addEventListener('click', () => run(() => prepareCsv(null)));
    for (const id of ['case-forwards-title', 'case-reject-title']) $(id).setAttribute('tabindex', '-1');
    $('shortcuts-title').setAttribute('tabindex', '-1');
    document.addEventListener('keydown', onKey);
    document.addEventListener('click', touch);
    // Leaving the page forgets the key, so that Back (or the browser's page cache) never brings it back.
    window.addEventListener('pagehide', () => signOut());
    setBusy(0);
    showOnly('sign-in');
    document.body.dataset.ready = 'true';
    $('key').focus();
  }

  init();
})();
