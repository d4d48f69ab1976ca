// The demo's only client script: live comments over a WebSocket per article, and the CSV
// export's progress bar. No framework, no build step.
const body = document.body;
const article = document.querySelector('[data-article-id]');
const strings = document.getElementById('i18n-strings')?.dataset ?? {};

function formatDate(iso) {
  return new Intl.DateTimeFormat(body.dataset.locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: body.dataset.timeZone,
  }).format(new Date(iso));
}

function addComment(comment) {
  const list = document.getElementById('comments');
  if (!list || list.querySelector(`[data-comment-id="${comment.id}"]`)) return;
  const item = document.createElement('li');
  item.className = 'comment new';
  item.dataset.commentId = String(comment.id);
  const meta = document.createElement('p');
  meta.className = 'comment-meta';
  const author = document.createElement('strong');
  author.textContent = comment.authorName;
  const time = document.createElement('time');
  time.dateTime = comment.createdAt;
  time.textContent = formatDate(comment.createdAt);
  meta.append(author, ' · ', time);
  const text = document.createElement('p');
  text.className = 'comment-body';
  text.textContent = comment.body;
  item.append(meta, text);
  list.append(item);
  // The heading's count, with the page's own plural forms (one / other: enough for en and pt-BR).
  const heading = document.querySelector('[data-testid="comment-count"]');
  const count = Number(heading.dataset.count) + 1;
  heading.dataset.count = String(count);
  const form = new Intl.PluralRules(body.dataset.locale).select(count) === 'one' ? 'commentsOne' : 'commentsOther';
  const template = strings[form];
  if (template)
    heading.textContent = template.replace(
      form === 'commentsOne' ? '1' : '2',
      new Intl.NumberFormat(body.dataset.locale).format(count),
    );
}

/** Adds the comments posted while the page's socket was down (broadcasts it missed). */
async function catchUp() {
  const ids = [...document.querySelectorAll('#comments [data-comment-id]')].map((el) => Number(el.dataset.commentId));
  const after = ids.length > 0 ? Math.max(...ids) : 0;
  const response = await fetch(`${body.dataset.prefix}/articles/${article.dataset.articleId}/comments?after=${after}`, {
    headers: { accept: 'application/json' },
  }).catch(() => undefined);
  if (!response?.ok) return;
  for (const comment of (await response.json()).comments) addComment(comment);
}

/**
 * The page's socket, reconnecting after a drop. `onOpen` runs on every (re)connection, so a
 * page that was watching an export asks for its status again on the new socket; after a
 * reconnection the page also fetches the comments it missed.
 */
function liveSocket(onMessage, onOpen) {
  const status = document.querySelector('[data-testid="live-status"]');
  const protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${protocol}//${location.host}/ws/articles?article=${article.dataset.articleId}`;
  const live = { socket: null };
  let opened = false;
  const connect = () => {
    const socket = new WebSocket(url);
    live.socket = socket;
    socket.addEventListener('open', () => {
      status.dataset.connected = 'true';
      status.textContent = strings.online;
      onOpen(socket);
      if (opened) void catchUp();
      opened = true;
    });
    socket.addEventListener('close', () => {
      status.dataset.connected = 'false';
      status.textContent = strings.offline;
      setTimeout(connect, 2000);
    });
    socket.addEventListener('message', (event) => onMessage(JSON.parse(event.data)));
  };
  connect();
  return live;
}

if (article) {
  const exportBox = document.querySelector('[data-testid="export"]');
  const button = exportBox.querySelector('.export-button');
  const progress = exportBox.querySelector('.export-progress');
  const label = exportBox.querySelector('.export-status');
  const link = exportBox.querySelector('.export-download');
  let watching = null;
  let acknowledged = null;
  const watch = (socket) => {
    if (watching) socket.send(JSON.stringify({ type: 'watch-export', exportId: watching }));
  };
  /** Resolves once the server has put this page in the export's group (or after 3 s: go on anyway). */
  const watched = (exportId) =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, 3000);
      acknowledged = (id) => {
        if (id !== exportId) return;
        clearTimeout(timer);
        resolve();
      };
    });

  const live = liveSocket((message) => {
    if (message.type === 'comment') addComment(message.comment);
    if (message.type === 'watching') acknowledged?.(message.exportId);
    if (message.type === 'export' && message.exportId === watching) {
      progress.value = message.percent;
      if (message.state === 'done') {
        label.textContent = strings.exportDone;
        link.href = message.url;
        link.hidden = false;
        button.disabled = false;
        watching = null;
      } else if (message.state === 'failed') {
        label.textContent = strings.exportFailed;
        button.disabled = false;
        watching = null;
      } else {
        label.textContent = `${message.percent}%`;
      }
    }
  }, watch);

  button.addEventListener('click', async () => {
    button.disabled = true;
    link.hidden = true;
    progress.hidden = false;
    progress.value = 0;
    label.textContent = '';
    // The page picks the export's id and joins its group first, so every progress step reaches
    // it; where randomUUID is missing (an insecure context) the server picks the id.
    const chosen = globalThis.crypto?.randomUUID?.() ?? null;
    watching = chosen;
    if (chosen && live.socket.readyState === WebSocket.OPEN) {
      const ready = watched(chosen);
      watch(live.socket);
      await ready;
    }
    // Same-origin fetch: the browser sends Origin, which the CSRF middleware checks.
    const response = await fetch(button.dataset.url, {
      method: 'POST',
      ...(chosen
        ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ exportId: chosen }) }
        : {}),
    }).catch(() => undefined);
    if (!response?.ok) {
      label.textContent = strings.exportFailed;
      button.disabled = false;
      watching = null;
      return;
    }
    watching = (await response.json()).exportId;
    if (chosen) return; // already watching
    // Sent now when connected; otherwise the next (re)connection sends it.
    if (live.socket.readyState === WebSocket.OPEN) watch(live.socket);
  });
}
