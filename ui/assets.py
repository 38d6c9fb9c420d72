"""CSS and the small client-side script of the chat page (kept as strings: no static files).

Colours are CSS variables with a light and a dark set (`.dark` is what Gradio puts on the page
when the OS, or ?__theme=dark, asks for dark mode); every text/background pair meets WCAG AA
(4.5:1), which tests/ui/test_browser.py measures on the rendered page.
"""

CSS = """
:root, .light {
  --qa-text: #1f2328; --qa-muted: #4f5b66; --qa-page: #ffffff; --qa-card: #ffffff; --qa-border: #d0d7de;
  --qa-q-bg: #eef2ff; --qa-q-text: #1f2328; --qa-chip-bg: #dbe6fe; --qa-chip-text: #1e3a8a;
  --qa-chip-hover: #1e3a8a; --qa-chip-hover-text: #ffffff; --qa-hl-bg: #ffe9a3; --qa-hl-text: #1f2328;
  --qa-conflict-bg: #fff8e6; --qa-conflict-border: #b7791f; --qa-conflict-text: #3d2c00;
  --qa-abstain-bg: #fff1e0; --qa-abstain-text: #7a3e00; --qa-error: #b42318; --qa-ok: #1a7f37;
  --qa-unsup-bg: #fdecea; --qa-unsup-text: #5f1a14; --qa-preview-bg: #111827; --qa-preview-text: #f9fafb;
  --qa-tl: #8c959f; --qa-shadow: rgba(15, 23, 42, .10);
}
.dark {
  --qa-text: #e6edf3; --qa-muted: #aab4bf; --qa-page: #0f141a; --qa-card: #161b22; --qa-border: #3d444d;
  --qa-q-bg: #1c2541; --qa-q-text: #e6edf3; --qa-chip-bg: #1e3a8a; --qa-chip-text: #e0e7ff;
  --qa-chip-hover: #c7d2fe; --qa-chip-hover-text: #0f172a; --qa-hl-bg: #4d3b00; --qa-hl-text: #fff4cc;
  --qa-conflict-bg: #2b2108; --qa-conflict-border: #d4a72c; --qa-conflict-text: #fbe7b5;
  --qa-abstain-bg: #3a2812; --qa-abstain-text: #ffd8a8; --qa-error: #ff9b8f; --qa-ok: #7ee2a0;
  --qa-unsup-bg: #4a1f1c; --qa-unsup-text: #ffd9d4; --qa-preview-bg: #f3f4f6; --qa-preview-text: #111827;
  --qa-tl: #6e7781; --qa-shadow: rgba(0, 0, 0, .45);
}
/* One column for the page and the pinned question bar: both 1280px at most, centred, with the
   same gutter, so the bar's content lines up with the content above it. */
:root { --qa-max: 1280px; --qa-gutter: clamp(12px, 4vw, 32px); }
.gradio-container { width: 100% !important; max-width: var(--qa-max) !important; margin: 0 auto !important; }
.gradio-container .main.app { max-width: 100% !important; padding-left: var(--qa-gutter) !important;
  padding-right: var(--qa-gutter) !important; }
.dark button[role="tab"][aria-selected="true"], .dark button[role="tab"].selected { color: #fb923c !important; }
#qa-brand { margin: 4px 0 2px; }
#qa-brand h1 { font-size: 1.35rem; margin: 0; }
#qa-brand p { margin: 0; color: var(--qa-muted); font-size: .9rem; }
#qa-chat { padding-bottom: 190px; }
.qa-chat-log { display: flex; flex-direction: column; gap: 18px; color: var(--qa-text); }
.qa-empty { color: var(--qa-muted); padding: 28px 12px; text-align: center; }
.qa-empty-title { font-size: 1.15rem; font-weight: 600; color: var(--qa-text); margin-bottom: 6px; }
.qa-turn { display: flex; flex-direction: column; gap: 8px; }
.qa-q { align-self: flex-end; max-width: 85%; background: var(--qa-q-bg); color: var(--qa-q-text);
  border-radius: 16px 16px 4px 16px; padding: 8px 14px; }
.qa-who { position: absolute; left: -9999px; }
.qa-a { background: var(--qa-card); color: var(--qa-text); border: 1px solid var(--qa-border);
  border-radius: 4px 16px 16px 16px; padding: 12px 16px; line-height: 1.6; box-shadow: 0 1px 3px var(--qa-shadow); }
.qa-text { white-space: pre-wrap; font-size: 1.02rem; }
.qa-streaming { white-space: pre-wrap; }
.qa-streaming::after { content: "▍"; animation: qa-blink 1s step-start infinite; }
@keyframes qa-blink { 50% { opacity: 0; } }
.qa-thinking { color: var(--qa-muted); }
.qa-abstained .qa-text { font-style: italic; }
.qa-abstain-label { display: inline-block; background: var(--qa-abstain-bg); color: var(--qa-abstain-text);
  border-radius: 999px; padding: 1px 10px; font-size: .85em; margin-bottom: 6px; }
.qa-error { color: var(--qa-error); }
a.qa-chip, span.qa-chip { display: inline-flex; align-items: center; justify-content: center; min-width: 1.45em;
  height: 1.45em; padding: 0 .35em; margin: 0 1px; border-radius: 999px; background: var(--qa-chip-bg);
  color: var(--qa-chip-text); font-size: .78em; font-weight: 700; text-decoration: none; vertical-align: .12em;
  line-height: 1; cursor: pointer; transition: none; }
a.qa-chip:hover, a.qa-chip:focus-visible { background: var(--qa-chip-hover); color: var(--qa-chip-hover-text);
  outline: none; }
.qa-chip-sm { font-size: .7em; }
.qa-unsupported { background: var(--qa-unsup-bg); color: var(--qa-unsup-text); border-radius: 3px; }
.qa-unsupported del.qa-struck { text-decoration: line-through; text-decoration-thickness: 1.5px; }
.qa-flag { color: var(--qa-unsup-text); font-size: .78em; font-style: italic; margin-left: 2px; }
span.qa-chip-void { cursor: default; background: var(--qa-unsup-bg); color: var(--qa-unsup-text);
  border: 1px solid currentColor; }
a.qa-chip-added { border: 1px dashed currentColor; }
.qa-rewrite-edit { font: inherit; font-size: .95em; background: none; border: 0; padding: 0 2px;
  color: var(--qa-link, inherit); text-decoration: underline; cursor: pointer; }
.qa-note, .qa-rewrite, .qa-meta { color: var(--qa-muted); font-size: .85em; margin-top: 6px; white-space: normal; }
.qa-h { font-weight: 600; font-size: .8em; text-transform: uppercase; letter-spacing: .04em; color: var(--qa-muted);
  margin: 12px 0 6px; }
.qa-cards { list-style: none; padding: 0; margin: 0; display: grid; gap: 8px;
  grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); }
.qa-card { border: 1px solid var(--qa-border); border-radius: 10px; padding: 8px 10px; background: var(--qa-card);
  color: var(--qa-text); font-size: .88em; margin: 0; }
.qa-card, .qa-card * { text-align: left !important; }
.qa-doc-title::first-letter { font-size: inherit; }
.qa-card:hover { border-color: var(--qa-chip-text); }
a.qa-src-link { display: grid; grid-template-columns: auto 1fr; column-gap: 8px; text-decoration: none; justify-items: start;
  color: var(--qa-text); }
a.qa-src-link .qa-chip { grid-row: span 2; margin-top: 2px; }
.qa-card-meta { color: var(--qa-muted); font-size: .85em; }
.qa-src-title { font-weight: 600; color: var(--qa-text); }
.qa-quote { margin: 6px 0 2px; padding-left: 8px; border-left: 3px solid var(--qa-border); color: var(--qa-text);
  white-space: pre-wrap; font-size: .95em; }
.qa-answer-span { font-weight: 700; }
.qa-score { color: var(--qa-muted); font-size: .8em; }
.qa-timeline { margin-top: 4px; }
.qa-tl-line { position: relative; height: 54px; margin: 0 8px; border-top: 2px solid var(--qa-tl); top: 10px; }
.qa-tl-dot { position: absolute; top: -8px; transform: translateX(-50%); display: flex; flex-direction: column;
  align-items: center; white-space: nowrap; }
.qa-tl-pin { width: 12px; height: 12px; border-radius: 50%; background: var(--qa-chip-text); border: 2px solid var(--qa-card); }
.qa-tl-date { font-size: .75em; color: var(--qa-muted); }
.qa-tl-undated { font-size: .8em; color: var(--qa-muted); margin-top: 4px; }
.qa-conflict { white-space: normal; }
.qa-conflict-row { display: flex; gap: 10px; flex-wrap: wrap; }
.qa-conflict-value { flex: 1 1 160px; border: 1px solid var(--qa-conflict-border); border-radius: 8px; padding: 6px 10px;
  background: var(--qa-conflict-bg); color: var(--qa-conflict-text); }
.qa-value { font-weight: 700; }
.qa-conflict-src { font-size: .85em; }
#qa-preview { position: fixed; z-index: 200; max-width: min(420px, 92vw); background: var(--qa-preview-bg);
  color: var(--qa-preview-text); border-radius: 8px; padding: 8px 10px; font-size: .85rem; line-height: 1.45;
  box-shadow: 0 6px 24px var(--qa-shadow); pointer-events: none; }
#qa-preview[hidden] { display: none; }
#qa-preview .qa-pv-label { font-weight: 600; margin-bottom: 4px; font-size: .8rem; }
#qa-composer { position: fixed; left: 0; right: 0; bottom: 0; z-index: 60; margin: 0 auto; max-width: var(--qa-max);
  padding: 10px var(--qa-gutter) calc(10px + env(safe-area-inset-bottom)); background: var(--qa-page);
  border-top: 1px solid var(--qa-border); box-shadow: 0 -6px 18px var(--qa-shadow); gap: 8px; }
#qa-composer .form { border: none; }
#qa-mode { min-width: 0; }
#qa-mode .wrap { flex-wrap: nowrap; }
#qa-viewer-col { position: sticky; top: 8px; align-self: flex-start; max-height: calc(100vh - 200px); overflow-y: auto; }
#qa-sheet-close { display: none; }
#qa-viewer-body { color: var(--qa-text); }
.qa-doc-title { font-weight: 700; font-size: 1.05em; }
.qa-doc-meta { color: var(--qa-muted); font-size: .85em; margin-bottom: 8px; }
.qa-doc-text { white-space: pre-wrap; line-height: 1.6; }
mark.qa-hl { background: var(--qa-hl-bg); color: var(--qa-hl-text); padding: 1px 0; border-radius: 2px; }
.qa-upload-ok { color: var(--qa-ok); }
.qa-notice { animation: qa-flash 1.2s ease-out; border-radius: 6px; padding: 4px 8px; }
.qa-notice-time { color: var(--qa-muted); font-variant-numeric: tabular-nums; margin-right: 6px; }
.qa-notice .qa-upload-report { display: inline-block; margin: 0; padding-left: 18px; vertical-align: top; }
@keyframes qa-flash { from { box-shadow: 0 0 0 3px var(--qa-chip-text); } to { box-shadow: 0 0 0 0 transparent; } }
#qa-library .virtual-row > :last-child .text, #qa-library tbody td:last-child .text { display: block;
  white-space: nowrap !important; overflow: hidden; text-overflow: ellipsis; word-break: normal !important;
  overflow-wrap: normal !important; }
/* report tables scroll sideways instead of breaking words letter by letter on a narrow screen */
#qa-eval-report, #qa-suite-report, #qa-eval-plots, #qa-suite-plots { min-width: 0 !important; max-width: 100%; }
@media (max-width: 820px) {
  #qa-library .table-wrap { overflow-x: auto !important; }
  #qa-library .table-wrap > * { min-width: 760px; }  /* the table scrolls sideways, words stay whole */
  #qa-eval-plots .grid-container, #qa-suite-plots .grid-container { grid-template-columns: 1fr !important; }
}
#qa-eval-report table, #qa-suite-report table { display: block; overflow-x: auto; width: max-content;
  max-width: min(100%, calc(100vw - 2 * var(--qa-gutter) - 8px)); }
#qa-eval-report th, #qa-eval-report td, #qa-suite-report th, #qa-suite-report td { white-space: nowrap; }
#qa-eval-report h1, #qa-eval-report h2, #qa-suite-report h1, #qa-suite-report h2 { overflow-wrap: anywhere; }
.qa-eval-help { color: var(--qa-text); font-size: .9em; }
.qa-eval-help dt { font-weight: 600; }
.qa-eval-help dd { margin: 0 0 4px 12px; color: var(--qa-muted); }
.qa-upload-err { color: var(--qa-error); }
#qa-library table { table-layout: fixed; }
#qa-eval-plots img, #qa-eval-report img { max-width: 100%; height: auto !important; object-fit: contain !important; }
@media (max-width: 820px) {
  .qa-q { max-width: 95%; }
  #qa-chat { padding-bottom: 230px; }
  #qa-composer { padding-top: 8px; padding-bottom: calc(8px + env(safe-area-inset-bottom)); }
  /* the counter as a small tab on the bar's top edge: no extra row on a narrow screen */
  #qa-composer #qa-count-wrap { position: absolute !important; bottom: 100%; right: var(--qa-gutter); left: auto !important;
    width: max-content !important; flex: none !important; background: var(--qa-page);
    border: none !important; box-shadow: none !important; border-radius: 6px 6px 0 0; padding: 1px 8px; }
  #qa-viewer-col { display: none !important; }
  #qa-viewer-col.qa-sheet-open { display: flex !important; position: fixed; inset: 0; z-index: 300;
    height: 100vh !important; max-height: 100vh !important; min-height: 0 !important; background: var(--qa-page);
    padding: 12px; overflow-y: auto; flex-wrap: nowrap; }
  #qa-viewer-col.qa-sheet-open #qa-sheet-close { display: block; width: 100%; text-align: left; }
}
.qa-glue { white-space: nowrap; }
.qa-touch-only { display: none; }
@media (hover: none), (pointer: coarse) {
  .qa-touch-only { display: inline; }
  .qa-pointer-only { display: none; }
}
.qa-q-len { color: var(--qa-muted); font-size: .85em; }
.qa-q-text { overflow-wrap: anywhere; }
.qa-why { margin-top: 6px; font-size: .85em; }
.qa-verdict { color: var(--qa-text); }
.qa-verdict-answered { color: var(--qa-muted); }
.qa-details summary { cursor: pointer; color: var(--qa-muted); width: max-content; }
.qa-details-list { display: grid; grid-template-columns: max-content auto; gap: 0 12px; margin: 4px 0 0;
  color: var(--qa-muted); }
.qa-details-list dd { margin: 0; font-variant-numeric: tabular-nums; }
#qa-loading { background: var(--qa-abstain-bg); color: var(--qa-abstain-text); border-radius: 8px; padding: 6px 12px;
  margin: 4px 0; }
#qa-loading[hidden] { display: none; }
/* max-content, not Gradio's 100% width: a full-width counter pushed the box and the buttons onto
   rows of their own (a three-row bar at 1440 px, over the answer) */
#qa-count-wrap { flex: 0 0 auto !important; width: max-content !important; min-width: max-content !important;
  align-self: center; }
#qa-count { color: var(--qa-muted); font-size: .8rem; white-space: nowrap; align-self: center; }
#qa-count.qa-count-full { color: var(--qa-error); font-weight: 600; }
#qa-sheet-close { position: sticky; top: 0; z-index: 2; margin-bottom: 8px; padding: 8px 14px; border-radius: 999px;
  border: 1px solid var(--qa-border); background: var(--qa-card); color: var(--qa-text); font-weight: 600; }
"""

# Runs once when the chat component mounts (gr.HTML js_on_load). Citation chips and source
# cards carry data-* attributes: hovering (or focusing) one previews its quote; clicking one
# loads the article, already escaped by the server, into the viewer (a full-screen sheet with
# a way back on a phone) and scrolls the highlighted span into view. Text from articles is only
# ever inserted as textContent or as the server's escaped HTML.
CHAT_JS = r"""
const root = (window.gradio_config && window.gradio_config.root) || '';
let preview = document.getElementById('qa-preview');
if (!preview) {
  preview = document.createElement('div');
  preview.id = 'qa-preview'; preview.setAttribute('role', 'tooltip'); preview.hidden = true;
  preview.innerHTML = '<div class="qa-pv-label"></div><div class="qa-pv-quote"></div>';
  document.body.appendChild(preview);
}
const show = (el) => {
  preview.querySelector('.qa-pv-label').textContent = el.dataset.label || '';
  preview.querySelector('.qa-pv-quote').textContent = '“' + (el.dataset.quote || '') + '”';
  preview.hidden = false;
  const r = el.getBoundingClientRect(), p = preview.getBoundingClientRect();
  let top = r.bottom + 6;
  if (top + p.height > window.innerHeight - 8) top = Math.max(8, r.top - p.height - 6);
  preview.style.top = top + 'px';
  preview.style.left = Math.max(8, Math.min(r.left, window.innerWidth - p.width - 8)) + 'px';
};
const hide = () => { preview.hidden = true; };
element.addEventListener('mouseover', (ev) => { const c = ev.target.closest('a.qa-chip[data-quote]'); if (c) show(c); });
element.addEventListener('mouseout', (ev) => { if (ev.target.closest('a.qa-chip[data-quote]')) hide(); });
let quiet = false;  // focus given back by the sheet's Back: no preview pops up over the answer
element.addEventListener('focusin', (ev) => { const c = ev.target.closest('a.qa-chip[data-quote]'); if (c && !quiet) show(c); });
element.addEventListener('focusout', hide);
let origin = null;
const phone = () => window.matchMedia('(max-width: 820px)').matches;
const sheet = (open) => {
  const col = document.getElementById('qa-viewer-col');
  if (col) col.classList.toggle('qa-sheet-open', open);
  document.body.style.overflow = open ? 'hidden' : '';
};
const sheetOpen = () => !!document.querySelector('#qa-viewer-col.qa-sheet-open');
// On a phone the sheet is a history entry: the browser's Back closes it and keeps the chat.
const closeSheet = () => {
  sheet(false);
  hide();
  if (origin) {
    origin.scrollIntoView({block: 'center'});
    quiet = true; origin.focus({preventScroll: true}); quiet = false;
  }
};
window.addEventListener('popstate', () => { if (sheetOpen()) closeSheet(); });
document.addEventListener('click', (ev) => {
  if (!ev.target.closest('#qa-sheet-close')) return;
  if (history.state && history.state.qaSheet) history.back();  // popstate closes it
  else closeSheet();
});
element.addEventListener('click', async (ev) => {
  const link = ev.target.closest('[data-cite]');
  if (!link) return;
  ev.preventDefault();
  hide();
  origin = link;
  const body = document.getElementById('qa-viewer-body');
  if (!body) return;
  if (phone()) {
    if (!sheetOpen()) history.pushState({qaSheet: true}, '');
    sheet(true);
  }
  const url = root.replace(/\/$/, '') + '/api/documents/' + encodeURIComponent(link.dataset.doc)
    + '/view?start=' + encodeURIComponent(link.dataset.start) + '&end=' + encodeURIComponent(link.dataset.end);
  body.dataset.state = 'loading';
  try {
    const resp = await fetch(url);
    if (!resp.ok) {
      let msg = 'could not open the source (' + resp.status + ')';
      try { msg = (await resp.json()).error || msg; } catch (e) {}
      body.textContent = msg;
      body.dataset.state = 'error';
      return;
    }
    body.innerHTML = await resp.text();
    body.dataset.state = 'loaded';
    body.dataset.marker = link.dataset.cite;
    const mark = body.querySelector('mark.qa-hl');
    if (mark) mark.scrollIntoView({block: 'center', behavior: 'instant'});
  } catch (e) {
    body.textContent = 'could not open the source: ' + e;
    body.dataset.state = 'error';
  }
});
// Until /readyz answers 200 (the models are loading), a notice says so.
const poll = async () => {
  const banner = document.getElementById('qa-loading');
  let ok = false;
  try { ok = (await fetch(root.replace(/\/$/, '') + '/readyz', {cache: 'no-store'})).ok; } catch (e) {}
  if (banner) banner.hidden = ok;
  if (!ok) setTimeout(poll, 1000);
};
poll();
// The question box: a live count against its maxlength (Gradio also sets the value without an
// input event, e.g. clearing it after Ask, hence the light polling).
const count = () => {
  const counter = document.getElementById('qa-count'), box = document.querySelector('#qa-question textarea');
  if (!counter || !box) return;
  const n = box.value.length, limit = Number(box.getAttribute('maxlength')) || 2000;
  const text = n.toLocaleString('en') + ' / ' + limit.toLocaleString('en');
  if (counter.textContent !== text) counter.textContent = text;
  counter.classList.toggle('qa-count-full', n >= limit);
};
document.addEventListener('input', (ev) => { if (ev.target.closest('#qa-question')) count(); });
// Library ids are cut with an ellipsis (never wrapped mid-id); the whole id is the cell's tooltip.
const titleIds = () => {
  for (const td of document.querySelectorAll('#qa-library .virtual-row > :last-child')) {
    const t = td.textContent.trim();
    if (t && td.title !== t) td.title = t;
  }
};
// gr.Dropdown has no placeholder: the Remove list's empty box says what to do (Gradio draws the
// Library tab when it is first opened, hence the polling).
const placeholders = () => {
  const box = document.querySelector('#qa-remove-pick input');
  if (box && !box.placeholder) box.placeholder = 'Choose an article to remove';
};
setInterval(() => { count(); titleIds(); placeholders(); }, 400);
count();
element.addEventListener('click', (ev) => {  // "Understood as: ... Edit": correct the rewrite
  const edit = ev.target.closest('.qa-rewrite-edit');
  if (!edit) return;
  const box = document.querySelector('#qa-question textarea');
  const text = edit.parentElement.querySelector('.qa-rewrite-text');
  if (!box || !text) return;
  box.value = text.textContent;
  box.dispatchEvent(new Event('input', {bubbles: true}));
  box.focus();
});
let nearBottom = true;
window.addEventListener('scroll', () => {
  nearBottom = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 260;
}, {passive: true});
new MutationObserver(() => {
  if (nearBottom && !sheetOpen())
    window.scrollTo({top: document.documentElement.scrollHeight});
}).observe(element, {subtree: true, childList: true, characterData: true});
"""

VIEWER_PLACEHOLDER = ('<button id="qa-sheet-close" type="button">← Back to the answer</button>'
                      '<div id="qa-viewer-body" data-state="empty"><div class="qa-empty">'
                      'Click a numbered chip such as 1 to read the article it quotes, '
                      'with the cited passage highlighted.</div></div>')
