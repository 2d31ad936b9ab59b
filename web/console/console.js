// The analysts' console: the review queue, cases and their URLs, notices, the audit log and statistics, through
// the ordinary API with the analyst's key.
//
// The key lives in this closure only (`session`), never in the DOM, storage, a cookie or the URL: sessionStorage
// would survive a reload and be readable by anything running in the origin later, and an analyst signs in again
// in a second. Sign-out, a refused key, leaving the page and 30 minutes without a key press or click forget it.
// Every text from the server goes into the page as text (textContent), never as HTML, and the URLs victims
// reported are shown, never linked: the console never loads what they point to.
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
  const VIEWS = ['sign-in', 'queue', 'case', 'notices', 'audit', 'stats'];

  let session = null; // { key, me }: the only place the key is kept
  let idleTimer = null;
  let busy = 0;
  let view = 'sign-in';
  let caseId = null;
  const tables = {}; // entries tables by view: { items, selected, cursor, body, refresh }
  let noticeRows = { items: [], cursor: -1, next: null };
  let auditFrom = null;

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

  /** Calls the API with the session's key. A 401 signs out: the key was revoked or mistyped. */
  async function api(method, path, body) {
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
      return data;
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
      'notice-detail', 'audit-records', 'stats-body', 'contact-value', 'queue-total', 'audit-verdict', 'audit-head']) {
      $(id).replaceChildren();
    }
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
    const c = await api('GET', `/v1/review/cases/${q(id)}`);
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
    renderNotices($('case-notices'), c.notices, 'case');
    $('case-forwards').replaceChildren(...(c.forwards.length
      ? c.forwards.map((f) => h('li', {
        text: `${f.authority.toUpperCase()} ${f.reference}, ${when(f.forwarded_at)}: ${f.urls.length ? `URLs ${f.urls.join(', ')}` : 'the whole case'}`,
      }))
      : [h('li', { class: 'muted', text: 'None recorded.' })]));
    renderEntries('case', $('case-entries'), c.entries, false, () => loadCase(c.case_id));
    $('case-body').hidden = false;
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
    if (!confirm.length && !dismiss.length) {
      say('Nothing to record: choose confirm or dismiss for a URL first.');
      return;
    }
    const body = { confirm, dismiss };
    if ($('urls-lang').value) body.lang = $('urls-lang').value;
    if ($('urls-ground').value) body.ground = $('urls-ground').value;
    const out = await api('POST', `/v1/review/cases/${q(caseId)}/urls`, body);
    await loadCase(caseId);
    say(`${confirm.length} confirmed, ${dismiss.length} dismissed; ${plural(out.notices.length, 'notice', 'notices')} produced` +
      (out.notices.length ? ' as drafts: send them below.' : '.'));
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
    const number = ['1', '2', '3', '4', '5'].indexOf(event.key);
    let handled = true;
    if (number >= 0) run(() => show(['queue', 'case', 'notices', 'audit', 'stats'][number]));
    else if (event.key === '/') {
      showOnly('case');
      $('case-id').focus();
      $('case-id').select();
    } else if (event.key === '?') {
      $('shortcuts').scrollIntoView();
      $('shortcuts-title').focus();
    } else if (event.key === 'g') run(loaders[view] || (() => {}));
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
