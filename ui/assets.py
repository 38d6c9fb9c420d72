"""CSS and the small client-side script of the chat page (kept as strings: no static files)."""

CSS = """
.qa-chat-log { display: flex; flex-direction: column; gap: 14px; }
.qa-empty { color: var(--body-text-color-subdued); padding: 12px; }
.qa-turn { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px; }
.qa-q { font-weight: 600; margin-bottom: 6px; }
.qa-who { color: var(--body-text-color-subdued); font-weight: 400; margin-right: 4px; }
.qa-a { line-height: 1.5; white-space: pre-wrap; }
.qa-streaming::after { content: "▍"; animation: qa-blink 1s step-start infinite; }
@keyframes qa-blink { 50% { opacity: 0; } }
.qa-abstained .qa-text { font-style: italic; }
.qa-abstain-label { display: inline-block; background: #fff4e5; color: #7a4b00; border-radius: 4px;
  padding: 1px 6px; font-size: 0.85em; margin-bottom: 4px; }
.qa-error { color: #b00020; }
a.qa-cite { text-decoration: none; font-weight: 600; color: var(--color-accent); cursor: pointer; }
a.qa-cite:hover { text-decoration: underline; }
.qa-unsupported { background: #fdecea; text-decoration: underline wavy #d93025; }
.qa-flag { color: #d93025; font-size: 0.7em; margin-left: 2px; }
.qa-note, .qa-rewrite, .qa-meta { color: var(--body-text-color-subdued); font-size: 0.85em; margin-top: 4px;
  white-space: normal; }
.qa-h { font-weight: 600; font-size: 0.9em; margin: 8px 0 4px; white-space: normal; }
.qa-sources { white-space: normal; }
.qa-sources ol { padding-left: 0; list-style: none; margin: 0; }
.qa-source { margin: 4px 0 8px; font-size: 0.9em; }
.qa-src-title { font-weight: 600; }
.qa-score { color: var(--body-text-color-subdued); font-size: 0.85em; margin-left: 6px; }
.qa-quote { margin: 3px 0 0 18px; padding-left: 8px; border-left: 3px solid var(--border-color-primary);
  color: var(--body-text-color); white-space: pre-wrap; }
.qa-conflict { white-space: normal; }
.qa-conflict-row { display: flex; gap: 10px; }
.qa-conflict-value { flex: 1; border: 1px solid #f0b400; border-radius: 6px; padding: 6px 8px; background: #fffbea; }
.qa-value { font-weight: 600; }
.qa-conflict-src { font-size: 0.85em; }
#qa-viewer-body { max-height: 70vh; overflow-y: auto; }
.qa-doc-title { font-weight: 700; font-size: 1.05em; }
.qa-doc-meta { color: var(--body-text-color-subdued); font-size: 0.85em; margin-bottom: 8px; }
.qa-doc-text { white-space: pre-wrap; line-height: 1.5; }
mark.qa-hl { background: #ffe066; padding: 1px 0; }
.qa-upload-ok { color: #1e7e34; }
.qa-upload-err { color: #b00020; }
"""

# Runs once when the chat component mounts (gr.HTML js_on_load): clicking any [n] marker or
# source link loads the article, already escaped by the server, into the viewer and scrolls the
# highlighted span into view. Document text is never inserted except as escaped HTML.
CHAT_JS = r"""
element.addEventListener('click', async (ev) => {
  const link = ev.target.closest('[data-cite]');
  if (!link) return;
  ev.preventDefault();
  const body = document.getElementById('qa-viewer-body');
  if (!body) return;
  const root = (window.gradio_config && window.gradio_config.root) || '';
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
"""

VIEWER_PLACEHOLDER = ('<div id="qa-viewer-body" data-state="empty"><div class="qa-empty">'
                      'Click a citation marker such as [1] to read the article it quotes, '
                      'with the cited passage highlighted.</div></div>')
