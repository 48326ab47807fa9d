/*
 * Agent dashboard: live inbox and conversation pane.
 *
 * The page is server-rendered (templates/dashboard/inbox.html); this script
 * keeps it live over /ws/agent/ as described in docs/protocol.md ("Agent
 * endpoint"). Contract with the template:
 *   - #dashboard-config JSON: ws_path, conversation, last_seq, max_body_chars,
 *     conversation_url_template ("/dashboard/c/0/"), view (inbox view: open,
 *     mine, unassigned, closed), canned ([{shortcut, text, site}]).
 *   - internal notes li.note[data-note-id] (_note.html); buildNote() matches.
 *   - inbox rows li.conv[data-conversation-id] (_conversation_row.html) and
 *     messages li.msg[data-message-id][data-seq] (_message.html); buildRow()
 *     and buildMessage() below produce the same markup.
 *
 * Every piece of chat text goes into the DOM through textContent, never HTML.
 *
 * UI strings go through gettext() and interpolate(…, true) from Django's
 * JavaScript catalog (/jsi18n/, loaded by the template before this file, in
 * the dashboard's language); `make messages` collects them into locale/.
 */
(function () {
  "use strict";

  const configEl = document.getElementById("dashboard-config");
  if (!configEl) return;
  const config = JSON.parse(configEl.textContent);

  // Without the catalog (it failed to load) the strings stay English.
  const gettext = window.gettext || ((s) => s);
  // Called with named=true: "%(name)s" placeholders from an object.
  const interpolate =
    window.interpolate || ((fmt, obj) => fmt.replace(/%\((\w+)\)s/g, (_m, key) => String(obj[key])));
  const ERROR_TEXT = {
    conversation_closed: gettext("This conversation is closed."),
    not_found: gettext("No such conversation."),
    processing_restricted: gettext(
      "Processing of this chat is restricted at the visitor's request; nothing new is stored.",
    ),
    rate_limited: gettext("Too many messages at once; wait a moment and try again."),
  };
  // Dates and times in the page's language, not the browser's.
  const LOCALE = document.documentElement.lang || undefined;

  // Reconnects: 0.5 s doubling, ±30 % jitter, never more than 3 s apart, so the dashboard is live
  // within 5 s of a server that is back (a Redis restart closes every socket with 4012 and refuses
  // new ones with 4013 until Redis answers).
  const BACKOFF_MIN_MS = 500;
  const BACKOFF_MAX_MS = 3000;
  const STABLE_AFTER_MS = 10000;
  const TYPING_SEND_EVERY_MS = 2000;
  const TYPING_IDLE_MS = 5000;
  const TYPING_SHOW_MS = 6000;
  const UNREAD_KEY = "chatplatform.unread";
  const FILTER_KEY = "chatplatform.siteFilter";
  // localStorage: "on" once the agent enabled system notifications (never any chat data).
  const NOTIFY_KEY = "chatplatform.notifications";
  const VIEW = config.view || "open";
  const CANNED = Array.isArray(config.canned) ? config.canned : [];

  const $ = (id) => document.getElementById(id);
  const els = {
    topbar: document.querySelector(".topbar"),
    conn: $("connection-status"),
    toggle: $("availability-toggle"),
    toggleLabel: $("availability-label"),
    list: $("conversation-list"),
    listEmpty: $("inbox-empty"),
    count: $("inbox-count"),
    siteFilter: $("site-filter"),
    pane: $("pane"),
    thread: $("thread"),
    messages: $("messages"),
    threadEmpty: $("thread-empty"),
    typing: $("typing-indicator"),
    composer: $("composer"),
    input: $("composer-input"),
    send: $("composer-send"),
    counter: $("composer-count"),
    closeBtn: $("close-conversation"),
    closedNote: $("closed-note"),
    status: $("current-status"),
    assignee: $("current-assignee"),
    assignSelect: $("assign-select"),
    modeReply: $("mode-reply"),
    modeNote: $("mode-note"),
    cannedMenu: $("canned-menu"),
    notifyBtn: $("notify-button"),
    toasts: $("toasts"),
  };

  const state = {
    me: els.topbar ? Number(els.topbar.dataset.agentId) || null : null,
    current: config.conversation || null,
    closed: !!(els.pane && els.pane.classList.contains("is-closed")),
    maxBodyChars: config.max_body_chars || 5000,
    ws: null,
    attempt: 0,
    reconnectTimer: null,
    notBefore: 0, // Date.now() before which the server asked not to connect again (retry_after)
    stableTimer: null,
    rendered: new Set(), // message ids in the thread
    notified: new Set(), // message ids already counted as unread / beeped
    maxSeq: 0,
    syncing: false,
    pending: new Map(), // client_id -> {conversation, body, el, failed}
    unread: loadUnread(), // conversation id -> count (other conversations)
    hiddenUnread: 0, // messages of the current conversation while the tab is hidden
    baseTitle: document.title.replace(/^\(\d+\)\s*/, ""),
    typingSentAt: 0,
    typingActive: false,
    typingIdleTimer: null,
    typingHideTimer: null,
    rowTypingTimers: new Map(),
    noteMode: false,
    renderedNotes: new Set(), // note ids in the thread
    pendingNotes: new Map(), // client_id -> {conversation, body, el}
    assignWanted: null, // the select's value while an assign frame is in flight
    canned: { open: false, items: [], index: 0 },
  };

  // ---- Small helpers ------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function newClientId() {
    if (window.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
    // randomUUID needs a secure context; plain-http LAN installs fall back here.
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function conversationUrl(id) {
    const url = (config.conversation_url_template || "/dashboard/c/0/").replace(/\/0\/$/, `/${Number(id)}/`);
    return VIEW === "open" ? url : `${url}?view=${encodeURIComponent(VIEW)}`;
  }

  function timeOf(iso) {
    const t = Date.parse(iso || "");
    return Number.isNaN(t) ? 0 : t;
  }

  function sameDay(a, b) {
    return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
  }

  const hm = { hour: "numeric", minute: "2-digit" };

  /** Inbox style: "now", "5 min", "14:20", "Mon", "27 Nov". */
  function formatShort(iso) {
    const t = timeOf(iso);
    if (!t) return "";
    const d = new Date(t);
    const now = new Date();
    const diff = now - d;
    if (diff < 60 * 1000) return gettext("now");
    if (diff < 60 * 60 * 1000) {
      return interpolate(gettext("%(minutes)s min"), { minutes: Math.floor(diff / 60000) }, true);
    }
    if (sameDay(d, now)) return d.toLocaleTimeString(LOCALE, hm);
    if (diff < 6 * 24 * 3600 * 1000) return d.toLocaleDateString(LOCALE, { weekday: "short" });
    const opts = { day: "numeric", month: "short" };
    if (d.getFullYear() !== now.getFullYear()) opts.year = "numeric";
    return d.toLocaleDateString(LOCALE, opts);
  }

  /** Message style: "14:20" today, else "27 Nov, 14:20". */
  function formatMessageTime(iso) {
    const t = timeOf(iso);
    if (!t) return "";
    const d = new Date(t);
    if (sameDay(d, new Date())) return d.toLocaleTimeString(LOCALE, hm);
    return `${d.toLocaleDateString(LOCALE, { day: "numeric", month: "short" })}, ${d.toLocaleTimeString(LOCALE, hm)}`;
  }

  function refreshTimes(root) {
    (root || document).querySelectorAll("time[datetime]").forEach((node) => {
      const iso = node.getAttribute("datetime");
      if (!iso) return;
      if (node.classList.contains("conv-time")) node.textContent = formatShort(iso);
      else node.textContent = formatMessageTime(iso);
      node.title = new Date(timeOf(iso)).toLocaleString(LOCALE);
    });
  }

  function hueFor(id) {
    let h = 0;
    for (const ch of String(id || "")) h = (h * 31 + ch.charCodeAt(0)) % 360;
    return h;
  }

  function paintAvatars(root) {
    (root || document).querySelectorAll(".avatar-visitor").forEach((node) => {
      const holder = node.closest("[data-visitor-id]") || node;
      const id = node.dataset.visitorId || holder.dataset.visitorId;
      if (id) node.style.setProperty("--hue", String(hueFor(id)));
    });
  }

  function toast(text, kind) {
    if (!els.toasts) return;
    const node = el("div", `toast${kind === "error" ? " toast-error" : ""}`, text);
    node.setAttribute("role", kind === "error" ? "alert" : "status");
    els.toasts.appendChild(node);
    while (els.toasts.children.length > 4) els.toasts.firstChild.remove();
    setTimeout(() => {
      node.classList.add("is-leaving");
      setTimeout(() => node.remove(), 250);
    }, 5000);
  }

  // ---- Sound and title badge ---------------------------------------------

  let audioCtx = null;
  let interacted = false;
  let lastBeep = 0;

  function unlockAudio() {
    interacted = true;
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return;
    try {
      if (!audioCtx) audioCtx = new AC();
      if (audioCtx.state === "suspended") audioCtx.resume();
    } catch (e) {
      audioCtx = null;
    }
  }
  ["pointerdown", "keydown"].forEach((t) => window.addEventListener(t, unlockAudio, { capture: true, passive: true }));

  /** Short two-note chime. Browsers only allow audio after a user gesture. */
  function beep() {
    if (!interacted || !audioCtx || audioCtx.state !== "running") return;
    const now = Date.now();
    if (now - lastBeep < 1000) return;
    lastBeep = now;
    const t0 = audioCtx.currentTime;
    [[880, 0], [1320, 0.09]].forEach(([freq, at]) => {
      const osc = audioCtx.createOscillator();
      const gain = audioCtx.createGain();
      osc.type = "sine";
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, t0 + at);
      gain.gain.exponentialRampToValueAtTime(0.12, t0 + at + 0.015);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + at + 0.16);
      osc.connect(gain).connect(audioCtx.destination);
      osc.start(t0 + at);
      osc.stop(t0 + at + 0.18);
    });
  }

  function loadUnread() {
    try {
      const raw = JSON.parse(sessionStorage.getItem(UNREAD_KEY) || "{}");
      const out = new Map();
      Object.keys(raw).forEach((k) => {
        const n = Number(raw[k]);
        if (n > 0) out.set(Number(k), n);
      });
      return out;
    } catch (e) {
      return new Map();
    }
  }

  function saveUnread() {
    try {
      sessionStorage.setItem(UNREAD_KEY, JSON.stringify(Object.fromEntries(state.unread)));
    } catch (e) {
      /* private mode: the badge just does not survive navigation */
    }
  }

  function updateTitle() {
    let total = state.hiddenUnread;
    state.unread.forEach((n, id) => {
      if (id !== state.current) total += n;
    });
    document.title = total > 0 ? `(${total}) ${state.baseTitle}` : state.baseTitle;
  }

  function setRowUnread(row, n) {
    const badge = row.querySelector(".conv-unread");
    if (!badge) return;
    badge.textContent = n > 99 ? "99+" : String(n);
    badge.hidden = !(n > 0);
    row.classList.toggle("is-unread", n > 0);
  }

  function addUnread(id) {
    const n = (state.unread.get(id) || 0) + 1;
    state.unread.set(id, n);
    const row = rowFor(id);
    if (row) setRowUnread(row, n);
    saveUnread();
  }

  function clearUnread(id) {
    if (!state.unread.has(id)) return;
    state.unread.delete(id);
    const row = rowFor(id);
    if (row) setRowUnread(row, 0);
    saveUnread();
  }

  // ---- Inbox rows --------------------------------------------------------

  function rowFor(id) {
    return els.list ? els.list.querySelector(`li.conv[data-conversation-id="${Number(id)}"]`) : null;
  }

  const VISITOR_ICON =
    '<svg viewBox="0 0 24 24" width="18" height="18"><circle cx="12" cy="8.5" r="4" fill="currentColor"/>' +
    '<path d="M4 20.5c0-4 3.6-6.5 8-6.5s8 2.5 8 6.5" fill="currentColor"/></svg>';

  /** Same markup as templates/dashboard/_conversation_row.html. */
  function buildRow(c) {
    const li = el("li", "conv");
    li.dataset.conversationId = String(c.id);
    const a = el("a", "conv-link");
    a.href = conversationUrl(c.id);
    const avatar = el("span", "avatar avatar-visitor");
    avatar.setAttribute("aria-hidden", "true");
    avatar.innerHTML = VISITOR_ICON; // constant markup, no data
    const main = el("span", "conv-main");
    const top = el("span", "conv-top");
    top.append(el("span", "conv-visitor"), el("time", "conv-time"));
    const preview = el("span", "conv-preview");
    const typing = el("span", "conv-typing", gettext("typing…"));
    typing.hidden = true;
    preview.append(typing, el("span", "conv-preview-text", gettext("No messages yet")));
    const bottom = el("span", "conv-bottom");
    const badge = el("span", "badge conv-unread", "0");
    badge.hidden = true;
    badge.setAttribute("aria-label", gettext("unread messages"));
    bottom.append(el("span", "conv-site"), el("span", "conv-assignee is-unassigned", gettext("Unassigned")), badge);
    main.append(top, preview, bottom);
    a.append(avatar, main);
    li.append(a);
    return li;
  }

  function previewText(lastMessage, agentObj) {
    if (!lastMessage) return gettext("No messages yet");
    const body = String(lastMessage.body || "").replace(/\s+/g, " ").trim();
    if (lastMessage.author === "agent") {
      if (agentObj && state.me && agentObj.id === state.me) return `${gettext("You:")} ${body}`;
      if (agentObj && agentObj.name) return `${agentObj.name}: ${body}`;
      return `${gettext("Agent:")} ${body}`;
    }
    return body;
  }

  function applyFilter(row) {
    if (!els.siteFilter || !els.siteFilter.value) {
      row.hidden = false;
      return;
    }
    row.hidden = row.dataset.siteKey !== els.siteFilter.value;
  }

  /** Put the row where its activity time belongs (newest first). */
  function placeRow(row) {
    const key = timeOf(row.dataset.sort);
    for (const other of els.list.children) {
      if (other === row) continue;
      if (timeOf(other.dataset.sort) <= key) {
        if (row.nextElementSibling !== other) els.list.insertBefore(row, other);
        return;
      }
    }
    if (els.list.lastElementChild !== row) els.list.appendChild(row);
  }

  function updateInboxCount() {
    if (!els.list) return;
    const n = els.list.children.length;
    if (els.count) els.count.textContent = String(n);
    if (els.listEmpty) els.listEmpty.hidden = n > 0;
  }

  /**
   * Insert or refresh an inbox row from a protocol conversation object;
   * `message` (optional) is the message that caused it, for the preview.
   * Returns the row, or null when the conversation left the inbox.
   */
  function upsertRow(c, message) {
    if (!els.list || !c || typeof c.id !== "number") return null;
    if (!belongsInView(c)) {
      removeRow(c.id);
      return null;
    }
    let row = rowFor(c.id);
    const isNew = !row;
    if (isNew) {
      row = buildRow(c);
      if (state.unread.has(c.id)) setRowUnread(row, state.unread.get(c.id));
    }
    if (c.site) {
      row.dataset.siteKey = c.site.key || "";
      row.querySelector(".conv-site").textContent = c.site.name || "";
    }
    if (c.visitor) {
      row.dataset.visitorId = c.visitor.id || "";
      row.querySelector(".conv-visitor").textContent = c.visitor.label || "Visitor";
    }
    if ("assigned_agent" in c) {
      const as = row.querySelector(".conv-assignee");
      const a = c.assigned_agent;
      row.dataset.assigneeId = a ? String(a.id) : "";
      as.className = "conv-assignee";
      if (!a) {
        as.classList.add("is-unassigned");
        as.textContent = gettext("Unassigned");
      } else if (state.me && a.id === state.me) {
        as.classList.add("is-me");
        as.textContent = gettext("You");
      } else {
        as.textContent = a.name || gettext("Agent");
      }
    }
    // Preview: prefer the message that just arrived (it names the agent).
    const previewEl = row.querySelector(".conv-preview-text");
    if (message) {
      if (timeOf(message.created_at) >= timeOf(row.dataset.previewAt)) {
        previewEl.textContent = previewText(message, message.agent);
        row.dataset.previewAt = message.created_at || "";
      }
    } else if (c.last_message && c.last_message.created_at !== row.dataset.previewAt) {
      if (timeOf(c.last_message.created_at) >= timeOf(row.dataset.previewAt)) {
        previewEl.textContent = previewText(c.last_message, null);
        row.dataset.previewAt = c.last_message.created_at || "";
      }
    }
    const sortIso = c.last_message_at || (message && message.created_at) || c.created_at || row.dataset.sort || "";
    if (timeOf(sortIso) >= timeOf(row.dataset.sort)) row.dataset.sort = sortIso;
    const timeEl = row.querySelector(".conv-time");
    timeEl.setAttribute("datetime", row.dataset.sort);
    timeEl.textContent = formatShort(row.dataset.sort);

    const link = row.querySelector(".conv-link");
    const active = c.id === state.current;
    link.classList.toggle("is-active", active);
    if (active) link.setAttribute("aria-current", "page");

    placeRow(row);
    if (isNew) {
      paintAvatars(row);
      row.classList.add("is-new");
      setTimeout(() => row.classList.remove("is-new"), 1300);
    }
    applyFilter(row);
    updateInboxCount();
    return row;
  }

  /** Whether a conversation belongs in this page's inbox view (config.view). */
  function belongsInView(c) {
    const status = c.status || "open";
    if (VIEW === "closed") return status === "closed";
    if (status !== "open") return false;
    if (!("assigned_agent" in c)) return true;
    const a = c.assigned_agent;
    if (VIEW === "mine") return !!(a && state.me && a.id === state.me);
    if (VIEW === "unassigned") return !a;
    return true;
  }

  function removeRow(id) {
    const row = rowFor(id);
    if (row) row.remove();
    clearUnread(id);
    updateInboxCount();
    updateTitle();
  }

  function showRowTyping(id, on) {
    const row = rowFor(id);
    if (!row) return;
    const node = row.querySelector(".conv-typing");
    clearTimeout(state.rowTypingTimers.get(id));
    node.hidden = !on;
    if (on) state.rowTypingTimers.set(id, setTimeout(() => (node.hidden = true), TYPING_SHOW_MS));
  }

  // ---- Thread ------------------------------------------------------------

  function nearBottom() {
    if (!els.thread) return false;
    return els.thread.scrollHeight - els.thread.scrollTop - els.thread.clientHeight < 120;
  }

  function scrollToBottom() {
    if (els.thread) els.thread.scrollTop = els.thread.scrollHeight;
  }

  function agentLabel(agentObj) {
    if (agentObj && state.me && agentObj.id === state.me) return gettext("You");
    return (agentObj && agentObj.name) || gettext("Agent");
  }

  function visitorLabel() {
    const h = $("current-visitor");
    return h ? h.textContent : gettext("Visitor");
  }

  /** Same markup as templates/dashboard/_message.html. */
  function buildMessage(m) {
    const li = el("li", `msg msg-${m.author === "agent" || m.author === "system" ? m.author : "visitor"}`);
    if (m.author === "agent" && m.agent && state.me && m.agent.id === state.me) li.classList.add("is-mine");
    li.dataset.messageId = String(m.id);
    li.dataset.seq = String(m.seq);
    li.append(el("div", "msg-bubble", m.body));
    li.append(buildMeta(m));
    return li;
  }

  function buildMeta(m) {
    const meta = el("div", "msg-meta");
    if (m.author === "agent") meta.append(el("span", "msg-author", agentLabel(m.agent)));
    else if (m.author === "visitor") meta.append(el("span", "msg-author", visitorLabel()));
    const t = el("time", null, formatMessageTime(m.created_at));
    t.setAttribute("datetime", m.created_at || "");
    t.title = m.created_at ? new Date(timeOf(m.created_at)).toLocaleString(LOCALE) : "";
    meta.append(t);
    return meta;
  }

  /** Insert in seq order; pending replies (no seq yet) stay last. */
  function insertBySeq(li, seq) {
    for (const other of els.messages.children) {
      if (other.classList.contains("note")) continue; // notes keep their place in time
      const s = Number(other.dataset.seq);
      if (other.dataset.seq && s > seq) {
        els.messages.insertBefore(li, other);
        return;
      }
      if (!other.dataset.seq) {
        els.messages.insertBefore(li, other);
        return;
      }
    }
    els.messages.appendChild(li);
  }

  /** Render a message of the current conversation once. Returns true if it is new here. */
  function renderMessage(m) {
    if (!els.messages || m.conversation !== state.current) return false;
    if (state.rendered.has(m.id)) return false;
    const stick = nearBottom() || (m.author === "agent" && m.agent && m.agent.id === state.me);
    state.rendered.add(m.id);
    const pend = m.client_id ? state.pending.get(m.client_id) : null;
    if (pend && pend.conversation === m.conversation) {
      // Our own reply came back (ack or broadcast): the real bubble replaces the pending one.
      state.pending.delete(m.client_id);
      pend.el.remove();
    }
    const li = buildMessage(m);
    insertBySeq(li, m.seq);
    if (m.seq > state.maxSeq) state.maxSeq = m.seq;
    if (els.threadEmpty) els.threadEmpty.hidden = true;
    if (stick) scrollToBottom();
    return true;
  }

  function buildPending(body) {
    const li = el("li", "msg msg-agent is-mine is-pending");
    li.append(el("div", "msg-bubble", body));
    const meta = el("div", "msg-meta");
    meta.append(el("span", "msg-status", gettext("Sending…")));
    li.append(meta);
    return li;
  }

  /** Same markup as templates/dashboard/_note.html. */
  function buildNote(n) {
    const mine = !!(n.author && state.me && n.author.id === state.me);
    const li = el("li", `note${mine ? " is-mine" : ""}`);
    if (n.id !== undefined) li.dataset.noteId = String(n.id);
    li.dataset.at = n.created_at || "";
    li.append(el("div", "note-bubble", n.body));
    const meta = el("div", "msg-meta");
    meta.append(el("span", "note-label", gettext("Internal note")), el("span", "msg-author", agentLabel(n.author)));
    const t = el("time", null, formatMessageTime(n.created_at));
    t.setAttribute("datetime", n.created_at || "");
    meta.append(t);
    li.append(meta);
    return li;
  }

  /** Render a note of the current conversation once (its pending bubble, if ours, is replaced). */
  function renderNote(n) {
    if (!els.messages || !n || n.conversation !== state.current || typeof n.id !== "number") return;
    const pend = n.client_id ? state.pendingNotes.get(n.client_id) : null;
    if (state.renderedNotes.has(n.id)) {
      if (pend) pend.el.remove();
      state.pendingNotes.delete(n.client_id);
      return;
    }
    state.renderedNotes.add(n.id);
    const stick = nearBottom() || !!pend;
    const li = buildNote(n);
    if (pend) {
      pend.el.replaceWith(li);
      state.pendingNotes.delete(n.client_id);
    } else {
      insertByTime(li, n.created_at);
    }
    if (els.threadEmpty) els.threadEmpty.hidden = true;
    if (stick) scrollToBottom();
  }

  /** Before the first stored item that is newer (a note missed while offline); pending ones stay last. */
  function insertByTime(li, iso) {
    const at = timeOf(iso);
    for (const other of els.messages.children) {
      const t = other.querySelector("time[datetime]");
      const pending = other.classList.contains("is-pending") || other.classList.contains("is-failed");
      if (pending || (t && timeOf(t.getAttribute("datetime")) > at)) {
        els.messages.insertBefore(li, other);
        return;
      }
    }
    els.messages.appendChild(li);
  }

  function submitNote() {
    if (!state.current) return;
    const body = els.input.value;
    if (!body.trim()) return;
    if ([...body].length > state.maxBodyChars) {
      const text = gettext("A note has at most %(count)s characters.");
      toast(interpolate(text, { count: state.maxBodyChars }, true), "error");
      return;
    }
    const clientId = newClientId();
    const li = buildNote({ body, author: { id: state.me, name: gettext("You") }, created_at: "" });
    li.classList.add("is-pending");
    li.querySelector("time").textContent = "Saving…";
    state.pendingNotes.set(clientId, { conversation: state.current, body, el: li });
    els.messages.appendChild(li);
    if (els.threadEmpty) els.threadEmpty.hidden = true;
    scrollToBottom();
    els.input.value = "";
    autosize();
    updateCounter();
    if (!send({ type: "note.add", conversation: state.current, client_id: clientId, body })) {
      failNote(clientId, gettext("not connected"));
    }
    els.input.focus();
  }

  function failNote(clientId, reason) {
    const p = state.pendingNotes.get(clientId);
    if (!p) return;
    state.pendingNotes.delete(clientId);
    p.el.classList.remove("is-pending");
    p.el.classList.add("is-failed");
    p.el.querySelector("time").textContent = interpolate(gettext("Not saved: %(reason)s"), { reason }, true);
  }

  function markFailed(clientId, reason) {
    const p = state.pending.get(clientId);
    if (!p) return;
    p.failed = true;
    p.el.classList.remove("is-pending");
    p.el.classList.add("is-failed");
    const meta = p.el.querySelector(".msg-meta");
    meta.textContent = "";
    meta.append(
      el("span", "msg-status", reason ? interpolate(gettext("Not sent: %(reason)s"), { reason }, true) : gettext("Not sent")),
    );
    const retry = el("button", "msg-retry", gettext("Retry"));
    retry.type = "button";
    retry.addEventListener("click", () => {
      p.failed = false;
      p.el.classList.remove("is-failed");
      p.el.classList.add("is-pending");
      meta.textContent = "";
      meta.append(el("span", "msg-status", gettext("Sending…")));
      sendPending(clientId, p);
    });
    meta.append(retry);
  }

  function sendPending(clientId, p) {
    send({ type: "message.send", conversation: p.conversation, client_id: clientId, body: p.body });
  }

  function showTyping(on) {
    if (!els.typing) return;
    clearTimeout(state.typingHideTimer);
    const stick = nearBottom();
    els.typing.hidden = !on || state.closed;
    if (on) state.typingHideTimer = setTimeout(() => (els.typing.hidden = true), TYPING_SHOW_MS);
    if (stick) scrollToBottom();
  }

  function setClosed() {
    if (!els.pane || state.closed) return;
    state.closed = true;
    els.pane.classList.add("is-closed");
    if (els.status) {
      els.status.textContent = gettext("Closed");
      els.status.className = "pill pill-closed";
    }
    if (els.closeBtn) els.closeBtn.hidden = true;
    if (els.assignSelect) els.assignSelect.closest(".assign").hidden = true;
    closeCanned();
    if (els.composer) els.composer.hidden = true;
    if (els.input) els.input.disabled = true;
    if (els.send) els.send.disabled = true;
    if (els.closedNote) els.closedNote.hidden = false;
    showTyping(false);
    stopTyping();
    // Replies still waiting can never be stored now.
    state.pending.forEach((p, id) => {
      if (p.conversation === state.current && !p.failed) markFailed(id, gettext("the conversation is closed"));
    });
  }

  // ---- visitor panel (contact data and visit context; docs/protocol.md visitor.updated)

  function dlRows(dl, rows) {
    dl.textContent = "";
    rows.forEach(([label, value]) => {
      if (!value) return;
      const dt = document.createElement("dt");
      dt.textContent = label;
      const dd = document.createElement("dd");
      dd.textContent = value;
      dl.append(dt, dd);
    });
    if (!dl.children.length) {
      // A <dl> holds dt/dd groups only (axe-core: definition-list): an empty value under a "—" term.
      const dt = document.createElement("dt");
      dt.className = "vi-none";
      dt.textContent = "—";
      dl.append(dt, document.createElement("dd"));
    }
  }

  function renderVisitor(v) {
    const panel = document.getElementById("visitor-info");
    if (!panel || !v) return;
    state.visitorId = v.id;
    const ctx = v.context || {};
    dlRows(document.getElementById("vi-contact"), [
      [gettext("Name"), v.name],
      [gettext("E-mail"), v.email],
      [gettext("Phone"), v.phone],
      [gettext("Id"), v.label],
    ]);
    const page = ctx.page || {};
    dlRows(document.getElementById("vi-visit"), [
      [gettext("Page"), [page.title, page.path].filter(Boolean).join(" · ")],
      [gettext("Browser"), ctx.browser],
      [gettext("System"), ctx.os],
      [gettext("Device"), ctx.device],
      [gettext("Came from"), ctx.referrer],
      [gettext("Screen"), ctx.screen],
      [gettext("Country"), ctx.country],
    ]);
    const pages = Array.isArray(ctx.pages) ? ctx.pages : [];
    const list = document.getElementById("vi-pages");
    list.textContent = "";
    pages.slice().reverse().forEach((p) => {
      const li = document.createElement("li");
      li.textContent = String(p.path || "");
      const sec = document.createElement("span");
      sec.className = "vi-sec";
      sec.textContent = p.seconds ? ` · ${p.seconds} s` : "";
      li.append(sec);
      list.append(li);
    });
    document.getElementById("vi-pages-block").hidden = !pages.length;
  }

  function updateCurrentHeader(c) {
    if (!els.assignee || !("assigned_agent" in c)) return;
    const a = c.assigned_agent;
    if (!a) els.assignee.textContent = gettext("Unassigned");
    else if (state.me && a.id === state.me) els.assignee.textContent = gettext("Assigned to you");
    else {
      const name = a.name || gettext("an agent");
      els.assignee.textContent = interpolate(gettext("Assigned to %(name)s"), { name }, true);
    }
    if (els.assignSelect) {
      const value = a ? String(a.id) : "";
      if (a && ![...els.assignSelect.options].some((o) => o.value === value)) {
        els.assignSelect.append(new Option(a.name || gettext("Agent"), value));
      }
      els.assignSelect.value = value;
      els.assignSelect.dataset.current = value;
      els.assignSelect.disabled = false;
      state.assignWanted = null;
    }
  }

  // ---- Socket ------------------------------------------------------------

  function wsUrl() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + location.host + (config.ws_path || "/ws/agent/");
  }

  function setConn(kind, text) {
    if (!els.conn) return;
    els.conn.dataset.state = kind;
    const t = els.conn.querySelector(".conn-text");
    if (t) t.textContent = text;
    els.conn.title = text;
  }

  function isOpen() {
    return state.ws && state.ws.readyState === WebSocket.OPEN;
  }

  function send(frame) {
    if (!isOpen()) return false;
    state.ws.send(JSON.stringify(frame));
    return true;
  }

  function connect() {
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = null;
    if (state.ws) return;
    setConn("connecting", state.attempt ? gettext("Reconnecting…") : gettext("Connecting…"));
    let ws;
    try {
      ws = new WebSocket(wsUrl());
    } catch (e) {
      scheduleReconnect();
      return;
    }
    state.ws = ws;
    let opened = false;
    ws.addEventListener("open", () => {
      if (state.ws !== ws) return;
      opened = true;
      setConn("live", gettext("Live"));
      clearTimeout(state.stableTimer);
      state.stableTimer = setTimeout(() => (state.attempt = 0), STABLE_AFTER_MS);
      onConnected();
    });
    ws.addEventListener("message", (ev) => {
      if (typeof ev.data !== "string") return;
      let frame;
      try {
        frame = JSON.parse(ev.data);
      } catch (e) {
        return;
      }
      if (!frame || typeof frame.type !== "string") return;
      const handler = handlers[frame.type];
      if (handler) {
        try {
          handler(frame);
        } catch (e) {
          console.error("dashboard: failed to handle", frame.type, e);
        }
      }
    });
    ws.addEventListener("close", () => {
      if (state.ws !== ws) return;
      const neverOpened = !opened;
      state.ws = null;
      state.syncing = false;
      clearTimeout(state.stableTimer);
      scheduleReconnect();
      // A refused handshake looks like a network failure; check whether the session ended.
      if (neverOpened && state.attempt >= 2) checkSignedIn();
    });
  }

  let checkingSession = false;

  function checkSignedIn() {
    if (checkingSession) return;
    checkingSession = true;
    fetch(location.pathname, { method: "HEAD", redirect: "manual", credentials: "same-origin", cache: "no-store" })
      .then((response) => {
        // login_required answers with a redirect to the login page.
        if (response.type === "opaqueredirect") {
          setConn("offline", gettext("Signed out"));
          location.reload();
        }
      })
      .catch(() => {
        /* really offline: keep retrying */
      })
      .finally(() => {
        checkingSession = false;
      });
  }

  function scheduleReconnect() {
    if (state.reconnectTimer) return;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** state.attempt);
    const jittered = Math.min(BACKOFF_MAX_MS, Math.round(base * (0.7 + Math.random() * 0.6)));
    const delay = Math.max(jittered, state.notBefore - Date.now());
    state.attempt += 1;
    const secs = Math.max(1, Math.round(delay / 1000));
    setConn("offline", interpolate(gettext("Offline · retrying in %(seconds)s s"), { seconds: secs }, true));
    state.reconnectTimer = setTimeout(connect, delay);
  }

  function requestSync(afterSeq) {
    if (!state.current) return;
    state.syncing = true;
    send({ type: "sync", conversation: state.current, after_seq: afterSeq });
  }

  function onConnected() {
    // Order matters: the server handles frames in order, so the missed
    // messages arrive before the acks of the replies we send again.
    if (state.current) requestSync(state.maxSeq);
    state.pending.forEach((p, clientId) => {
      if (!p.failed) sendPending(clientId, p);
    });
  }

  // Come back quickly when the network or the tab returns.
  window.addEventListener("online", () => {
    if (!state.ws) {
      state.attempt = 0;
      connect();
    }
  });

  // ---- Server frames -----------------------------------------------------

  // A visitor message of the open conversation, rendered while the tab is hidden.
  function countIfUnseen(m) {
    if (m.author !== "visitor" || !document.hidden || state.notified.has(m.id)) return;
    state.notified.add(m.id);
    state.hiddenUnread += 1;
    beep();
  }

  const handlers = {
    welcome(f) {
      if (f.agent) {
        if (typeof f.agent.id === "number") state.me = f.agent.id;
        if (f.agent.availability) setAvailability(f.agent.availability);
      }
      if (typeof f.max_body_chars === "number") {
        state.maxBodyChars = f.max_body_chars;
        if (els.input) els.input.maxLength = f.max_body_chars;
      }
    },

    "message.new"(f) {
      const m = f.message;
      if (!m || typeof m.id !== "number") return;
      if (f.conversation) {
        upsertRow(f.conversation, m);
        // The frame's conversation carries the assignment too (a first reply assigns).
        if (f.conversation.id === state.current) updateCurrentHeader(f.conversation);
      }
      const fromVisitor = m.author === "visitor";
      if (fromVisitor) notifySystem(f.conversation, m);
      if (m.conversation === state.current) {
        const gap = m.seq > state.maxSeq + 1 && !state.syncing;
        const fresh = renderMessage(m);
        if (gap) requestSync(state.maxSeq); // missed something: fill in (dedup keeps it exact)
        if (fromVisitor) showTyping(false);
        if (fresh) countIfUnseen(m);
      } else if (fromVisitor && !state.notified.has(m.id)) {
        state.notified.add(m.id);
        showRowTyping(m.conversation, false);
        if (rowFor(m.conversation)) {
          addUnread(m.conversation);
          beep();
        }
      }
      updateTitle();
    },

    "message.ack"(f) {
      if (!f.message) return;
      if (f.message.conversation === state.current) {
        renderMessage(f.message);
      } else if (f.client_id) {
        state.pending.delete(f.client_id);
      }
    },

    sync(f) {
      if (f.conversation !== state.current) return;
      const list = Array.isArray(f.messages) ? f.messages : [];
      list.forEach((m) => {
        if (m.conversation === undefined) m.conversation = f.conversation;
        // A message may arrive here before its message.new: count it either way.
        if (renderMessage(m)) countIfUnseen(m);
      });
      (Array.isArray(f.notes) ? f.notes : []).forEach(renderNote);
      updateTitle();
      if (f.has_more && list.length) {
        requestSync(list[list.length - 1].seq);
      } else {
        state.syncing = false;
      }
    },

    "conversation.updated"(f) {
      const c = f.conversation;
      if (!c || typeof c.id !== "number") return;
      upsertRow(c, null);
      if (c.id === state.current) {
        updateCurrentHeader(c);
        if (c.status === "closed") setClosed();
        if (els.closeBtn) {
          els.closeBtn.disabled = false;
          els.closeBtn.textContent = gettext("Close conversation");
        }
      }
    },

    "note.new"(f) {
      renderNote(f.note);
    },

    "visitor.updated"(f) {
      if (f.visitor && f.visitor.id === state.visitorId) renderVisitor(f.visitor);
    },

    "note.ack"(f) {
      renderNote(f.note);
    },

    "conversation.erased"(f) {
      const ids = Array.isArray(f.conversations) ? f.conversations : [];
      ids.forEach((id) => removeRow(id));
      if (ids.includes(state.current)) window.location.assign("/dashboard/");
    },

    typing(f) {
      if (f.author !== "visitor") return;
      if (f.conversation === state.current) showTyping(!!f.is_typing);
      else showRowTyping(f.conversation, !!f.is_typing);
    },

    presence(f) {
      // Site presence frames carry `site`; only our own availability echo has `availability`.
      if (typeof f.availability === "string") setAvailability(f.availability);
    },

    error(f) {
      if (f.code === "unavailable" && !f.client_id) {
        // The server refused this socket for now (close 4013 follows): the status bar says so.
        state.notBefore = Date.now() + Math.min(Math.max(Number(f.retry_after) || 1, 1), 120) * 1000;
        return;
      }
      // The server's `detail` is English protocol text; known codes get the dashboard's words.
      const detail = ERROR_TEXT[f.code] || f.detail || f.code || gettext("Something went wrong.");
      if (state.assignWanted !== null && els.assignSelect) {
        // Only one assign frame is in flight at a time: this refusal is its answer.
        els.assignSelect.value = els.assignSelect.dataset.current || "";
        els.assignSelect.disabled = false;
        state.assignWanted = null;
      }
      if (f.client_id && state.pending.has(f.client_id)) {
        markFailed(f.client_id, detail);
      } else if (f.client_id && state.pendingNotes.has(f.client_id)) {
        failNote(f.client_id, detail);
      } else {
        toast(detail, "error");
      }
      if (f.code === "conversation_closed") setClosed();
      if (f.code === "not_found" || f.code === "conversation_closed") state.syncing = false;
      if (els.closeBtn && !state.closed) {
        els.closeBtn.disabled = false;
        els.closeBtn.textContent = gettext("Close conversation");
      }
    },
  };

  // ---- Availability switch ----------------------------------------------

  function setAvailability(value) {
    if (!els.toggle) return;
    const online = value === "online";
    els.toggle.checked = online;
    els.toggle.setAttribute("aria-checked", String(online));
    if (els.toggleLabel) els.toggleLabel.textContent = online ? gettext("Online") : gettext("Away");
  }

  if (els.toggle) {
    els.toggle.setAttribute("aria-checked", String(els.toggle.checked));
    els.toggle.addEventListener("change", () => {
      const wanted = els.toggle.checked ? "online" : "away";
      if (!send({ type: "presence", availability: wanted })) {
        setAvailability(wanted === "online" ? "away" : "online");
        toast(gettext("Not connected. Try again in a moment."), "error");
        return;
      }
      // Shown right away; the server's echo confirms or corrects it.
      setAvailability(wanted);
    });
  }

  // ---- Composer -----------------------------------------------------------

  function autosize() {
    els.input.style.height = "auto";
    els.input.style.height = `${Math.min(els.input.scrollHeight, 180)}px`;
  }

  function updateCounter() {
    if (!els.counter) return;
    const n = els.input.value.length;
    const show = n > state.maxBodyChars * 0.8;
    els.counter.hidden = !show;
    els.counter.textContent = `${n} / ${state.maxBodyChars}`;
    els.counter.classList.toggle("is-over", n > state.maxBodyChars);
  }

  function sendTyping(isTyping) {
    if (!state.current || state.closed) return;
    send({ type: "typing", conversation: state.current, is_typing: isTyping });
  }

  function stopTyping() {
    clearTimeout(state.typingIdleTimer);
    if (state.typingActive) {
      state.typingActive = false;
      state.typingSentAt = 0;
      sendTyping(false);
    }
  }

  function onInput() {
    autosize();
    updateCounter();
    updateCanned();
    if (state.noteMode) return; // a note is not for the visitor: no typing indicator
    if (!els.input.value.trim()) {
      stopTyping();
      return;
    }
    const now = Date.now();
    if (now - state.typingSentAt >= TYPING_SEND_EVERY_MS) {
      state.typingSentAt = now;
      state.typingActive = true;
      sendTyping(true);
    }
    clearTimeout(state.typingIdleTimer);
    state.typingIdleTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function submitReply() {
    if (state.closed || !state.current) return;
    const body = els.input.value;
    if (!body.trim()) return;
    if ([...body].length > state.maxBodyChars) {
      const text = gettext("A message has at most %(count)s characters.");
      toast(interpolate(text, { count: state.maxBodyChars }, true), "error");
      return;
    }
    const clientId = newClientId();
    const li = buildPending(body);
    const p = { conversation: state.current, body, el: li, failed: false };
    state.pending.set(clientId, p);
    els.messages.appendChild(li);
    if (els.threadEmpty) els.threadEmpty.hidden = true;
    scrollToBottom();
    els.input.value = "";
    autosize();
    updateCounter();
    stopTyping();
    // Not connected: it stays "Sending…" and goes out on reconnect.
    sendPending(clientId, p);
    els.input.focus();
  }

  function submitComposer() {
    closeCanned();
    if (state.noteMode) submitNote();
    else submitReply();
  }

  function setNoteMode(on) {
    state.noteMode = on;
    els.composer.classList.toggle("is-note", on);
    if (els.modeReply) els.modeReply.setAttribute("aria-pressed", String(!on));
    if (els.modeNote) els.modeNote.setAttribute("aria-pressed", String(on));
    els.input.placeholder = on
      ? gettext("Write an internal note, only agents see it…")
      : gettext("Write a reply…");
    els.input.setAttribute("aria-label", on ? gettext("Internal note") : gettext("Reply"));
    if (els.send) els.send.textContent = on ? gettext("Add note") : gettext("Send");
    if (on) stopTyping();
    els.input.focus();
  }

  // ---- Canned responses ("/shortcut" at the start of the composer) -------

  function updateCanned() {
    const m = /^\/([\w-]*)$/.exec(els.input.value);
    if (!m || !CANNED.length || !els.cannedMenu) {
      closeCanned();
      return;
    }
    const q = m[1].toLowerCase();
    const starts = CANNED.filter((c) => c.shortcut.toLowerCase().startsWith(q));
    const contains = CANNED.filter((c) => !starts.includes(c) && c.shortcut.toLowerCase().includes(q));
    const items = starts.concat(contains);
    if (!items.length) {
      closeCanned();
      return;
    }
    const same = state.canned.open && items.length === state.canned.items.length &&
      items.every((c, i) => c === state.canned.items[i]);
    state.canned.items = items;
    if (!same) state.canned.index = 0;
    state.canned.open = true;
    renderCanned();
  }

  function renderCanned() {
    const menu = els.cannedMenu;
    menu.textContent = "";
    state.canned.items.forEach((c, i) => {
      const li = el("li", "canned-item");
      li.id = `canned-option-${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", String(i === state.canned.index));
      li.dataset.shortcut = c.shortcut;
      li.append(el("span", "canned-shortcut", `/${c.shortcut}`), el("span", "canned-text", c.text));
      // mousedown, not click: the textarea keeps the focus.
      li.addEventListener("mousedown", (e) => {
        e.preventDefault();
        insertCanned(c);
      });
      menu.appendChild(li);
    });
    menu.hidden = false;
    // A textarea may not carry aria-expanded (axe-core: aria-allowed-attr); the active option is enough.
    els.input.setAttribute("aria-activedescendant", `canned-option-${state.canned.index}`);
    const active = menu.children[state.canned.index];
    if (active) active.scrollIntoView({ block: "nearest" });
  }

  function closeCanned() {
    state.canned.open = false;
    state.canned.items = [];
    if (!els.cannedMenu) return;
    els.cannedMenu.hidden = true;
    els.cannedMenu.textContent = "";
    if (els.input) {
      els.input.removeAttribute("aria-activedescendant");
    }
  }

  function insertCanned(c) {
    closeCanned();
    els.input.value = c.text;
    els.input.setSelectionRange(c.text.length, c.text.length);
    els.input.focus();
    onInput();
  }

  /** Keys while the list is open; true when the key was used here. */
  function onCannedKey(e) {
    if (!state.canned.open || e.isComposing) return false;
    const n = state.canned.items.length;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      state.canned.index = (state.canned.index + (e.key === "ArrowDown" ? 1 : n - 1)) % n;
      renderCanned();
    } else if ((e.key === "Enter" && !e.shiftKey) || e.key === "Tab") {
      insertCanned(state.canned.items[state.canned.index]);
    } else if (e.key === "Escape") {
      closeCanned();
    } else {
      return false;
    }
    e.preventDefault();
    return true;
  }

  if (els.composer && els.input) {
    if (els.cannedMenu) {
      els.input.setAttribute("aria-controls", "canned-menu");
      els.input.setAttribute("aria-autocomplete", "list");
    }
    els.input.addEventListener("input", onInput);
    els.input.addEventListener("blur", () => setTimeout(closeCanned, 150));
    els.input.addEventListener("keydown", (e) => {
      if (onCannedKey(e)) return;
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        submitComposer();
      }
    });
    els.composer.addEventListener("submit", (e) => {
      e.preventDefault();
      submitComposer();
    });
    if (els.modeReply) els.modeReply.addEventListener("click", () => setNoteMode(false));
    if (els.modeNote) els.modeNote.addEventListener("click", () => setNoteMode(true));
    if (state.closed) {
      els.input.disabled = true;
      if (els.send) els.send.disabled = true;
    }
  }

  if (els.closeBtn) {
    els.closeBtn.addEventListener("click", () => {
      if (!state.current || state.closed) return;
      if (!send({ type: "conversation.close", conversation: state.current })) {
        toast(gettext("Not connected. Try again in a moment."), "error");
        return;
      }
      els.closeBtn.disabled = true;
      els.closeBtn.textContent = gettext("Closing…");
    });
  }

  if (els.assignSelect) {
    els.assignSelect.dataset.current = els.assignSelect.value;
    els.assignSelect.addEventListener("change", () => {
      if (!state.current) return;
      const value = els.assignSelect.value;
      const frame = { type: "conversation.assign", conversation: state.current, agent: value ? Number(value) : null };
      if (!send(frame)) {
        els.assignSelect.value = els.assignSelect.dataset.current || "";
        toast(gettext("Not connected. Try again in a moment."), "error");
        return;
      }
      // Answered by conversation.updated (or an error), which re-enables it.
      state.assignWanted = value;
      els.assignSelect.disabled = true;
    });
  }

  // ---- System notifications ---------------------------------------------------
  // Shown only while the tab is hidden, and never with chat text or visitor
  // data: an OS notification can appear on a locked screen.

  function notifySupported() {
    return "Notification" in window;
  }

  function notifyWanted() {
    try {
      return localStorage.getItem(NOTIFY_KEY) === "on";
    } catch (e) {
      return false;
    }
  }

  function setNotifyWanted(on) {
    try {
      if (on) localStorage.setItem(NOTIFY_KEY, "on");
      else localStorage.removeItem(NOTIFY_KEY);
    } catch (e) {
      /* no storage: the choice lasts for this page only */
    }
  }

  function renderNotifyButton() {
    const btn = els.notifyBtn;
    if (!btn) return;
    if (!notifySupported()) {
      btn.hidden = true;
      return;
    }
    btn.hidden = false;
    const permission = Notification.permission;
    const on = permission === "granted" && notifyWanted();
    btn.setAttribute("aria-pressed", String(on));
    btn.disabled = permission === "denied";
    btn.textContent =
      permission === "denied"
        ? gettext("Notifications blocked")
        : on
          ? gettext("Notifications on")
          : gettext("Enable notifications");
    btn.classList.toggle("is-on", on);
  }

  function notifySystem(conversation, m) {
    if (!document.hidden || !notifySupported() || Notification.permission !== "granted" || !notifyWanted()) return;
    // Only chats that are this agent's or nobody's: a colleague's chat is the colleague's to answer.
    const a = conversation && conversation.assigned_agent;
    if (a && state.me && a.id !== state.me) return;
    const title = (conversation && conversation.site && conversation.site.name) || "Chatplatform";
    try {
      const n = new Notification(title, { body: gettext("New message"), tag: `chatplatform-${Number(m.conversation)}` });
      n.onclick = () => {
        window.focus();
        if (m.conversation !== state.current) window.location.assign(conversationUrl(m.conversation));
        n.close();
      };
    } catch (e) {
      /* some browsers only allow notifications from a service worker */
    }
  }

  if (els.notifyBtn) {
    els.notifyBtn.addEventListener("click", () => {
      if (!notifySupported()) return;
      if (Notification.permission === "granted" && notifyWanted()) {
        setNotifyWanted(false);
        renderNotifyButton();
        return;
      }
      Promise.resolve(Notification.requestPermission()).then((permission) => {
        setNotifyWanted(permission === "granted");
        renderNotifyButton();
      });
    });
    renderNotifyButton();
  }

  window.addEventListener("beforeunload", (e) => {
    for (const p of state.pending.values()) {
      if (!p.failed) {
        e.preventDefault();
        e.returnValue = "";
        return;
      }
    }
  });

  // ---- Start ---------------------------------------------------------------

  function init() {
    if (config.visitor) {
      renderVisitor(config.visitor);
      const offline = document.getElementById("vi-offline");
      if (offline) offline.hidden = !config.offline;
    }
    if (els.messages) {
      els.messages.querySelectorAll("li.note[data-note-id]").forEach((li) => {
        state.renderedNotes.add(Number(li.dataset.noteId));
      });
      els.messages.querySelectorAll("li.msg[data-message-id]").forEach((li) => {
        state.rendered.add(Number(li.dataset.messageId));
        const s = Number(li.dataset.seq);
        if (s > state.maxSeq) state.maxSeq = s;
      });
      scrollToBottom();
    }
    if (els.list) {
      // Forget unread counts of conversations that left the inbox meanwhile.
      const present = new Set([...els.list.children].map((r) => Number(r.dataset.conversationId)));
      [...state.unread.keys()].forEach((id) => {
        if (!present.has(id)) state.unread.delete(id);
      });
      if (state.current) state.unread.delete(state.current);
      saveUnread();
      state.unread.forEach((n, id) => {
        const row = rowFor(id);
        if (row) setRowUnread(row, n);
      });
    }
    if (els.siteFilter) {
      try {
        const saved = sessionStorage.getItem(FILTER_KEY);
        if (saved && [...els.siteFilter.options].some((o) => o.value === saved)) els.siteFilter.value = saved;
      } catch (e) {
        /* no storage: start with all sites */
      }
      [...els.list.children].forEach(applyFilter);
      els.siteFilter.addEventListener("change", () => {
        [...els.list.children].forEach(applyFilter);
        try {
          sessionStorage.setItem(FILTER_KEY, els.siteFilter.value);
        } catch (e) {
          /* ignore */
        }
      });
    }
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) {
        state.hiddenUnread = 0;
        updateTitle();
        if (!state.ws) {
          state.attempt = 0;
          connect();
        }
      }
    });
    // Server-rendered notices (e.g. "The transcript is on its way.") leave like the others.
    if (els.toasts) {
      [...els.toasts.children].forEach((node) =>
        setTimeout(() => {
          node.classList.add("is-leaving");
          setTimeout(() => node.remove(), 250);
        }, 5000),
      );
    }
    paintAvatars();
    refreshTimes();
    setInterval(() => refreshTimes(els.list), 30000);
    updateTitle();
    if (els.input && !state.closed && window.matchMedia("(min-width: 701px)").matches) els.input.focus();
    connect();
  }

  init();
})();
