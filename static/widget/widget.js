/*!
 * Chatplatform live-chat widget: one classic script, no build step, no globals.
 *
 * Embed:
 *   <script src="https://CHAT_HOST/widget.js" data-site-key="site_…" async></script>
 * Optional attributes on that tag:
 *   data-lang="en|de|cs"        UI language; default is the browser's language, else English.
 *   data-test-open-shadow="1"   TEST HOOK ONLY. Attaches the shadow root in "open" mode so
 *                               browser tests (Playwright) can pierce it. Real embeds leave it
 *                               out and get a closed shadow root.
 *
 * Style isolation is a closed Shadow DOM, not an iframe, on purpose: the visitor WebSocket
 * must carry the host page's Origin, which the server checks against the site's allowed
 * origins (docs/protocol.md).
 *
 *   data-consent="wait"         Start nothing (no connection, no launcher) until the page's cookie
 *                               banner calls chatplatform('consent', {...}).
 *
 * JavaScript API (queue calls made before this file loads with the stub in docs/consent.md):
 *   chatplatform('consent', {analytics: true, marketing: false})  what the visitor agreed to;
 *                               call it on every page. Withdrawing deletes what that category wrote.
 *   chatplatform('open') / chatplatform('close')                  open or close the chat window.
 *
 * BROWSER STORAGE. The server injects its storage inventory (privacy/storage_inventory.py) into
 * INVENTORY below; store.set() refuses any key not in it and any category without consent. No
 * cookies, no session storage. Functional keys are written only once the visitor opens the chat;
 * analytics and marketing keys only with consent.
 */
(function () {
  "use strict";

  // document.currentScript is only set while this file first runs, so read it now.
  var script = document.currentScript;
  if (!script) {
    var tags = document.querySelectorAll("script[data-site-key][src]");
    for (var t = 0; t < tags.length; t++) {
      if (/\/widget\.js([?#]|$)/.test(tags[t].src)) script = tags[t];
    }
  }
  if (!script || !script.src) return;

  var SITE_KEY = script.getAttribute("data-site-key") || "";
  if (!SITE_KEY) {
    if (window.console) console.warn("chatplatform: the widget <script> has no data-site-key");
    return;
  }
  var SERVER = new URL(script.src, location.href);
  var WS_URL =
    (SERVER.protocol === "https:" ? "wss:" : "ws:") + "//" + SERVER.host +
    "/ws/visitor/" + encodeURIComponent(SITE_KEY) + "/";
  var OPEN_SHADOW = script.getAttribute("data-test-open-shadow") === "1";
  var WAIT_FOR_CONSENT = script.getAttribute("data-consent") === "wait";
  // The Site admin's preview page: render with the given theme, never connect or store.
  var PREVIEW = script.getAttribute("data-preview") === "1";
  var INVENTORY = /*STORAGE_INVENTORY*/{};
  var HOST_TAG = "chatplatform-widget";

  var existing = document.getElementsByTagName(HOST_TAG);
  for (var x = 0; x < existing.length; x++) {
    if (existing[x].getAttribute("data-site-key") === SITE_KEY) return; // embedded twice
  }

  // ---------------------------------------------------------------- strings

  var STRINGS = {
    en: {
      openChat: "Open chat",
      closeChat: "Close chat",
      chat: "Chat",
      online: "Online",
      agentOnline: "{name} · Online",
      offline: "Offline",
      offlineHint: "No agent is online right now — leave a message and we'll reply here.",
      erased: "This chat history has been deleted.",
      intro: "Hi! How can we help you today?",
      placeholder: "Write a message…",
      send: "Send",
      sending: "Sending…",
      failed: "Not sent",
      retry: "Retry",
      edit: "Edit",
      typing: "{name} is typing…",
      connecting: "Connecting…",
      reconnecting: "Reconnecting…",
      charsLeft: "{n} characters left",
      agent: "Agent",
      unread: "{n} unread messages",
      messages: "Messages",
      privacyLink: "Privacy policy",
      soundOff: "Mute sound",
      soundOn: "Turn sound on",
      dismiss: "Dismiss",
      name: "Name",
      email: "E-mail",
      phone: "Phone",
      optional: "(optional)",
      message: "Message",
      startChat: "Start chat",
      sendOffline: "Send message",
      prechatIntro: "Before we start, please tell us:",
      offlineIntro: "No agent is online right now. Leave your e-mail and message, and we'll answer by e-mail or here.",
      offlineSent: "Thank you! We'll get back to you as soon as we can.",
      required: "Please fill in this field.",
      badEmail: "Please enter a valid e-mail address.",
      transcript: "E-mail me this chat",
      transcriptEmail: "Your e-mail address",
      transcriptSent: "We've sent you the transcript.",
      transcriptConfirm: "Check your inbox: open the link we sent to get the transcript."
    },
    de: {
      openChat: "Chat öffnen",
      closeChat: "Chat schließen",
      chat: "Chat",
      online: "Online",
      agentOnline: "{name} · Online",
      offline: "Offline",
      offlineHint: "Gerade ist niemand online – hinterlassen Sie eine Nachricht, wir antworten hier.",
      erased: "Dieser Chatverlauf wurde gelöscht.",
      intro: "Hallo! Wie können wir Ihnen helfen?",
      placeholder: "Nachricht schreiben…",
      send: "Senden",
      sending: "Wird gesendet…",
      failed: "Nicht gesendet",
      retry: "Erneut senden",
      edit: "Bearbeiten",
      typing: "{name} schreibt…",
      connecting: "Verbindung wird aufgebaut…",
      reconnecting: "Verbindung wird wiederhergestellt…",
      charsLeft: "Noch {n} Zeichen",
      agent: "Mitarbeiter",
      unread: "{n} ungelesene Nachrichten",
      messages: "Nachrichten",
      privacyLink: "Datenschutzerklärung",
      soundOff: "Ton aus",
      soundOn: "Ton an",
      dismiss: "Schließen",
      name: "Name",
      email: "E-Mail",
      phone: "Telefon",
      optional: "(optional)",
      message: "Nachricht",
      startChat: "Chat starten",
      sendOffline: "Nachricht senden",
      prechatIntro: "Bevor wir beginnen, sagen Sie uns bitte:",
      offlineIntro: "Gerade ist niemand online. Hinterlassen Sie Ihre E-Mail-Adresse und Nachricht, wir antworten per E-Mail oder hier.",
      offlineSent: "Vielen Dank! Wir melden uns so bald wie möglich.",
      required: "Bitte füllen Sie dieses Feld aus.",
      badEmail: "Bitte geben Sie eine gültige E-Mail-Adresse ein.",
      transcript: "Chatverlauf per E-Mail",
      transcriptEmail: "Ihre E-Mail-Adresse",
      transcriptSent: "Der Chatverlauf wurde an Sie gesendet.",
      transcriptConfirm: "Sehen Sie in Ihr Postfach: Öffnen Sie den Link, den wir gesendet haben, um den Verlauf zu erhalten."
    },
    cs: {
      openChat: "Otevřít chat",
      closeChat: "Zavřít chat",
      chat: "Chat",
      online: "Online",
      agentOnline: "{name} · Online",
      offline: "Offline",
      offlineHint: "Právě není nikdo online — zanechte nám zprávu a odpovíme vám zde.",
      erased: "Historie tohoto chatu byla smazána.",
      intro: "Dobrý den! S čím vám můžeme pomoci?",
      placeholder: "Napište zprávu…",
      send: "Odeslat",
      sending: "Odesílá se…",
      failed: "Neodesláno",
      retry: "Zkusit znovu",
      edit: "Upravit",
      typing: "{name} píše…",
      connecting: "Připojování…",
      reconnecting: "Obnovuje se spojení…",
      charsLeft: "Zbývá znaků: {n}",
      agent: "Operátor",
      unread: "Nepřečtené zprávy: {n}",
      messages: "Zprávy",
      privacyLink: "Zásady ochrany osobních údajů",
      soundOff: "Vypnout zvuk",
      soundOn: "Zapnout zvuk",
      dismiss: "Zavřít",
      name: "Jméno",
      email: "E-mail",
      phone: "Telefon",
      optional: "(nepovinné)",
      message: "Zpráva",
      startChat: "Začít chat",
      sendOffline: "Odeslat zprávu",
      prechatIntro: "Než začneme, prosíme o:",
      offlineIntro: "Právě není nikdo online. Zanechte nám e-mail a zprávu, odpovíme e-mailem nebo zde.",
      offlineSent: "Děkujeme! Ozveme se vám co nejdříve.",
      required: "Vyplňte prosím toto pole.",
      badEmail: "Zadejte prosím platnou e-mailovou adresu.",
      transcript: "Poslat chat e-mailem",
      transcriptEmail: "Váš e-mail",
      transcriptSent: "Přepis chatu jsme vám odeslali.",
      transcriptConfirm: "Podívejte se do schránky: přepis dostanete po otevření odkazu, který jsme poslali."
    }
  };

  function pickLang() {
    var wanted = [script.getAttribute("data-lang")].concat(
      navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language]
    );
    for (var i = 0; i < wanted.length; i++) {
      var code = String(wanted[i] || "").toLowerCase().split(/[-_]/)[0];
      if (code && Object.prototype.hasOwnProperty.call(STRINGS, code)) return code;
    }
    return "en";
  }
  var LANG = pickLang();
  var S = STRINGS[LANG];

  function fmt(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, k) {
      return values && values[k] != null ? String(values[k]) : "";
    });
  }

  // ---------------------------------------------------------------- storage

  // What the page's cookie banner allowed (chatplatform('consent', ...)); functional needs none.
  var consent = { known: false, analytics: false, marketing: false };

  function keyOf(id) { return "chatplatform." + SITE_KEY + "." + id; }
  function allowed(id) {
    if (PREVIEW) return false;
    var item = Object.prototype.hasOwnProperty.call(INVENTORY, id) ? INVENTORY[id] : null;
    return !!item && (item.category === "functional" || consent[item.category] === true);
  }
  // Every access is guarded: storage can be disabled or full, and the chat must still work.
  var store = {
    get: function (id) {
      try { return window.localStorage.getItem(keyOf(id)); } catch (e) { return null; }
    },
    set: function (id, value) {
      if (!allowed(id)) return; // not in the inventory, or no consent for its category
      try { window.localStorage.setItem(keyOf(id), value); } catch (e) { /* storage unavailable */ }
    },
    del: function (id) {
      try { window.localStorage.removeItem(keyOf(id)); } catch (e) { /* storage unavailable */ }
    },
    getJSON: function (id) {
      try { return JSON.parse(store.get(id) || "null"); } catch (e) { return null; }
    },
    // Withdrawal: remove what a category wrote.
    dropCategory: function (category) {
      for (var id in INVENTORY) {
        if (Object.prototype.hasOwnProperty.call(INVENTORY, id) && INVENTORY[id].category === category) store.del(id);
      }
    }
  };

  function newClientId() {
    var c = window.crypto;
    // randomUUID exists only in secure contexts; plain-http host pages get the fallback.
    if (c && typeof c.randomUUID === "function") return c.randomUUID();
    var bytes = new Uint8Array(16);
    c.getRandomValues(bytes);
    var hex = "";
    for (var i = 0; i < bytes.length; i++) hex += (bytes[i] + 256).toString(16).slice(1);
    return hex;
  }

  // ---------------------------------------------------------------- DOM helpers

  // Data only ever reaches the page through textContent or validated attributes.
  function h(tag, cls, text) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    if (text != null) el.textContent = text;
    return el;
  }

  var SVG_NS = "http://www.w3.org/2000/svg";
  var ICONS = {
    chat: ["M21 11.5a8.38 8.38 0 0 1-.9 3.8 8.5 8.5 0 0 1-7.6 4.7 8.38 8.38 0 0 1-3.8-.9L3 21l1.9-5.7a8.38 8.38 0 0 1-.9-3.8 8.5 8.5 0 0 1 4.7-7.6 8.38 8.38 0 0 1 3.8-.9h.5a8.48 8.48 0 0 1 8 8v.5z"],
    close: ["M18 6 6 18", "M6 6l12 12"],
    down: ["M6 9l6 6 6-6"],
    send: ["M22 2 11 13", "M22 2 15 22 11 13 2 9 22 2z"],
    sound: ["M11 5 6 9H2v6h4l5 4V5z", "M15.5 8.5a5 5 0 0 1 0 7", "M19 5a10 10 0 0 1 0 14"],
    soundOff: ["M11 5 6 9H2v6h4l5 4V5z", "M23 9l-6 6", "M17 9l6 6"]
  };
  function icon(name) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "cp-icon");
    for (var i = 0; i < ICONS[name].length; i++) {
      var p = document.createElementNS(SVG_NS, "path");
      p.setAttribute("d", ICONS[name][i]);
      svg.appendChild(p);
    }
    return svg;
  }

  function safeImageUrl(value) {
    if (typeof value !== "string" || !value) return null;
    try {
      var u = new URL(value, SERVER.href);
      return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
    } catch (e) {
      return null;
    }
  }

  function initial(name) {
    var s = String(name || "").trim();
    return s ? Array.from(s)[0].toUpperCase() : "?";
  }

  function timeText(iso) {
    var d = iso ? new Date(iso) : new Date();
    if (isNaN(d.getTime())) return "";
    try {
      return d.toLocaleTimeString(LANG, { hour: "numeric", minute: "2-digit" });
    } catch (e) {
      return "";
    }
  }

  // ---------------------------------------------------------------- styles

  var CSS = [
    ":host{all:initial}",
    "*,*::before,*::after{box-sizing:border-box}",
    "[hidden]{display:none!important}",
    ".cp{--cp-brand:#2563eb;--cp-brand-dark:#1d4ed8;--cp-ink:#0f172a;--cp-muted:#64748b;--cp-line:#e2e8f0;--cp-soft:#f1f5f9;",
    "font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;color:var(--cp-ink);",
    "-webkit-font-smoothing:antialiased;text-align:left;direction:ltr}",
    "button,textarea{font:inherit;color:inherit}",
    ".cp-icon{width:24px;height:24px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}",
    // launcher
    ".cp-launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:60px;height:60px;border:0;border-radius:50%;",
    "padding:0;margin:0;cursor:pointer;display:flex;align-items:center;justify-content:center;background:var(--cp-brand);color:#fff;",
    "box-shadow:0 6px 20px rgba(37,99,235,.35),0 2px 6px rgba(15,23,42,.18);transition:transform .15s ease,background .15s ease}",
    ".cp-launcher:hover{background:var(--cp-brand-dark);transform:scale(1.05)}",
    ".cp-launcher:focus-visible{outline:3px solid #fff;box-shadow:0 0 0 6px var(--cp-brand)}",
    ".cp-launcher .cp-icon{width:28px;height:28px}",
    ".cp-open .cp-launcher-dot{display:none}",
    ".cp-launcher-dot{position:absolute;right:4px;bottom:4px;width:14px;height:14px;border-radius:50%;background:#22c55e;border:2px solid #fff}",
    ".cp-badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#ef4444;",
    "color:#fff;font-size:12px;font-weight:700;line-height:22px;text-align:center;border:2px solid #fff}",
    // window
    ".cp-win{position:fixed;right:20px;bottom:96px;z-index:2147483000;width:376px;height:min(620px,calc(100vh - 120px));",
    "min-height:340px;display:flex;flex-direction:column;background:#fff;border-radius:16px;overflow:hidden;",
    "box-shadow:0 16px 48px rgba(15,23,42,.22),0 2px 8px rgba(15,23,42,.08);animation:cp-in .18s ease-out}",
    "@keyframes cp-in{from{opacity:0;transform:translateY(12px) scale(.98)}to{opacity:1;transform:none}}",
    // header
    ".cp-head{display:flex;align-items:center;gap:12px;padding:16px 12px 16px 18px;background:var(--cp-brand);color:#fff;flex:none}",
    ".cp-av{position:relative;flex:none;width:42px;height:42px;border-radius:50%;background:rgba(255,255,255,.2);display:flex;",
    "align-items:center;justify-content:center;font-weight:700;font-size:18px;color:#fff}",
    ".cp-av img{width:100%;height:100%;border-radius:50%;object-fit:cover;display:block}",
    ".cp-av-dot{position:absolute;right:-1px;bottom:-1px;width:13px;height:13px;border-radius:50%;border:2px solid var(--cp-brand);background:#94a3b8}",
    ".cp-online .cp-av-dot{background:#22c55e}",
    ".cp-head-text{flex:1;min-width:0}",
    ".cp-title{font-size:16px;font-weight:650;line-height:1.25;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}",
    ".cp-status{font-size:13px;opacity:.88;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}",
    ".cp-x,.cp-sound{flex:none;width:36px;height:36px;border:0;border-radius:10px;background:transparent;color:#fff;cursor:pointer;",
    "display:flex;align-items:center;justify-content:center;padding:0}",
    ".cp-x:hover,.cp-sound:hover{background:rgba(255,255,255,.16)}",
    ".cp-x:focus-visible,.cp-sound:focus-visible{outline:2px solid #fff;outline-offset:1px}",
    ".cp-conn{flex:none;padding:6px 12px;background:#fef3c7;color:#92400e;font-size:13px;text-align:center}",
    // message list
    ".cp-log{flex:1;overflow-y:auto;padding:16px 14px 8px;background:#fff;overscroll-behavior:contain}",
    ".cp-notice{margin:0 0 12px;padding:10px 12px;border-radius:10px;border:1px solid var(--cp-line);font-size:12.5px;",
    "line-height:1.45;color:#475569;background:#f8fafc}",
    ".cp-notice a{color:var(--cp-brand-dark);font-weight:600;margin-left:4px}",
    ".cp-bubble-auto{position:fixed;right:20px;bottom:92px;z-index:2147483000;max-width:280px;display:flex;gap:6px;",
    "align-items:flex-start;padding:12px 10px 12px 14px;border-radius:14px;background:#fff;color:var(--cp-ink);",
    "box-shadow:0 8px 28px rgba(15,23,42,.18);animation:cp-in .18s ease-out}",
    ".cp-bubble-auto button{border:0;background:none;font:inherit;text-align:left;cursor:pointer;padding:0}",
    ".cp-bubble-auto .cp-auto-x{flex:none;width:22px;height:22px;color:var(--cp-muted);font-size:18px;line-height:1;text-align:center}",
    ".cp-open .cp-bubble-auto{display:none}",
    ".cp-sound .cp-icon{width:20px;height:20px}",
    ".cp-pre{flex:none;display:flex;flex-direction:column;gap:8px;padding:12px 14px;border-top:1px solid var(--cp-line);background:#fff}",
    ".cp-pre-intro{margin:0;font-size:13px;color:#475569}",
    ".cp-field{display:flex;flex-direction:column;gap:3px;font-size:13px;font-weight:600;color:#334155}",
    ".cp-field small{font-weight:400;color:var(--cp-muted)}",
    ".cp-field input,.cp-field textarea{font:inherit;font-weight:400;font-size:14px;padding:8px 10px;border:1px solid #cbd5e1;border-radius:8px;",
    "background:#fff;color:var(--cp-ink);width:100%}",
    ".cp-field textarea{min-height:70px;resize:vertical}",
    ".cp-field input:focus,.cp-field textarea:focus{outline:2px solid var(--cp-brand);outline-offset:0;border-color:transparent}",
    ".cp-field[data-invalid] input,.cp-field[data-invalid] textarea{border-color:#dc2626}",
    ".cp-field-err{font-weight:400;color:#b91c1c;font-size:12px}",
    ".cp-pre-go{border:0;border-radius:10px;padding:10px 14px;background:var(--cp-brand);color:#fff;font-weight:650;cursor:pointer}",
    ".cp-pre-go:hover{background:var(--cp-brand-dark)}",
    ".cp-pre-go:disabled{opacity:.5;cursor:default}",
    ".cp-pre-err{margin:0;font-size:13px;color:#b91c1c}",
    ".cp-left .cp-launcher,.cp-left .cp-win,.cp-left .cp-bubble-auto{right:auto;left:20px}",
    ".cp-tools{flex:none;padding:0 14px 8px;font-size:12.5px;color:var(--cp-muted);display:flex;gap:6px;align-items:center;flex-wrap:wrap}",
    ".cp-tools input{flex:1;min-width:150px;font:inherit;padding:5px 8px;border:1px solid #cbd5e1;border-radius:6px}",
    ".cp-intro{margin:0 0 14px;padding:12px 14px;border-radius:12px;background:var(--cp-soft);color:var(--cp-ink)}",
    ".cp-m{display:flex;flex-direction:column;margin-top:10px;max-width:100%}",
    ".cp-m.cp-cont{margin-top:3px}",
    ".cp-m-name{font-size:12px;color:var(--cp-muted);margin:0 0 3px 4px;font-weight:600}",
    ".cp-cont .cp-m-name{display:none}",
    // a group of messages shows its time once, under the last one
    ".cp-m[data-status=sent]:has(+ .cp-cont)>.cp-meta{display:none}",
    ".cp-bubble{max-width:82%;padding:9px 13px;border-radius:16px;white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word}",
    ".cp-m-visitor{align-items:flex-end}",
    ".cp-m-visitor .cp-bubble{background:var(--cp-brand);color:#fff;border-bottom-right-radius:5px}",
    ".cp-m-agent{align-items:flex-start}",
    ".cp-m-agent .cp-bubble{background:var(--cp-soft);color:var(--cp-ink);border-bottom-left-radius:5px}",
    ".cp-m-system{align-items:center;margin:12px 0}",
    ".cp-m-system .cp-bubble{max-width:90%;padding:2px 8px;background:none;color:var(--cp-muted);font-style:italic;font-size:13px;text-align:center}",
    ".cp-m-system .cp-meta{display:none}",
    ".cp-meta{font-size:11.5px;color:var(--cp-muted);margin:3px 4px 0;display:flex;gap:8px;align-items:center}",
    ".cp-m[data-status=sending] .cp-bubble{opacity:.72}",
    ".cp-m[data-status=failed] .cp-bubble{background:#fee2e2;color:#991b1b}",
    ".cp-m[data-status=failed] .cp-meta{color:#b91c1c}",
    ".cp-act{border:0;background:none;padding:0;color:var(--cp-brand);font-size:12px;font-weight:600;cursor:pointer;text-decoration:underline}",
    ".cp-act:focus-visible{outline:2px solid var(--cp-brand);outline-offset:2px;border-radius:2px}",
    ".cp-typing{flex:none;padding:2px 18px 6px;font-size:13px;color:var(--cp-muted);font-style:italic}",
    ".cp-offline{flex:none;margin:0 12px 8px;padding:9px 12px;border-radius:10px;background:#f8fafc;border:1px solid var(--cp-line);",
    "font-size:13px;color:#475569}",
    // composer
    ".cp-form{flex:none;display:flex;align-items:flex-end;gap:8px;padding:10px 10px 10px 14px;border-top:1px solid var(--cp-line);background:#fff}",
    ".cp-input{flex:1;min-height:40px;max-height:132px;resize:none;border:0;outline:0;background:transparent;padding:9px 2px;",
    "font-size:15px;line-height:1.45;overflow-y:auto}",
    ".cp-input::placeholder{color:#94a3b8}",
    ".cp-send{flex:none;width:40px;height:40px;border:0;border-radius:50%;background:var(--cp-brand);color:#fff;cursor:pointer;",
    "display:flex;align-items:center;justify-content:center;padding:0;transition:background .15s ease,opacity .15s ease}",
    ".cp-send .cp-icon{width:19px;height:19px;margin-left:-2px}",
    ".cp-send:hover{background:var(--cp-brand-dark)}",
    ".cp-send:disabled{opacity:.35;cursor:default;background:var(--cp-brand)}",
    ".cp-send:focus-visible{outline:2px solid var(--cp-brand);outline-offset:2px}",
    ".cp-count{flex:none;padding:0 16px 8px;font-size:12px;color:var(--cp-muted);text-align:right}",
    ".cp-count.cp-over{color:#b91c1c}",
    // phones: the window takes the whole screen
    "@media (max-width:480px){",
    ".cp-win{inset:0;width:100%;height:100%;min-height:0;border-radius:0;animation:none}",
    ".cp-open .cp-launcher{display:none}",
    ".cp-launcher{right:16px;bottom:16px}",
    ".cp-input{font-size:16px}", // 16px stops iOS from zooming into the field
    "}",
    "@media (prefers-reduced-motion:reduce){.cp-win{animation:none}.cp-launcher{transition:none}}",
    "@media print{.cp{display:none}}"
  ].join("");

  // ---------------------------------------------------------------- view

  var ui = {};
  var entryOf = new WeakMap(); // message element -> entry

  function buildView() {
    var host = document.createElement(HOST_TAG);
    host.setAttribute("data-site-key", SITE_KEY);
    var root = host.attachShadow({ mode: OPEN_SHADOW ? "open" : "closed" });
    // A constructed stylesheet is not inline CSS, so host pages whose Content-Security-Policy
    // forbids 'unsafe-inline' styles still show the widget styled; <style> is the fallback.
    var sheet = null;
    try {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      sheet = null;
    }
    if (!sheet) {
      var style = document.createElement("style");
      style.textContent = CSS;
      root.appendChild(style);
    }

    var cp = h("div", "cp");
    cp.setAttribute("lang", LANG);

    var win = h("div", "cp-win");
    win.id = "cp-win";
    win.hidden = true;
    win.setAttribute("role", "dialog");
    win.setAttribute("aria-labelledby", "cp-title");

    var head = h("div", "cp-head");
    var av = h("div", "cp-av");
    av.setAttribute("aria-hidden", "true");
    var headText = h("div", "cp-head-text");
    var title = h("div", "cp-title", S.chat);
    title.id = "cp-title";
    var status = h("div", "cp-status", "");
    headText.appendChild(title);
    headText.appendChild(status);
    var closeBtn = h("button", "cp-x");
    closeBtn.type = "button";
    closeBtn.setAttribute("aria-label", S.closeChat);
    closeBtn.title = S.closeChat;
    closeBtn.appendChild(icon("down"));
    var soundBtn = h("button", "cp-sound");
    soundBtn.type = "button";
    soundBtn.addEventListener("click", function () {
      if (store.get("sound") === "off") store.del("sound"); else store.set("sound", "off");
      renderSound();
    });
    head.appendChild(av);
    head.appendChild(headText);
    head.appendChild(soundBtn);
    head.appendChild(closeBtn);

    var conn = h("div", "cp-conn", S.connecting);
    conn.setAttribute("role", "status");

    var log = h("div", "cp-log");
    var notice = h("p", "cp-notice");
    notice.hidden = true;
    var intro = h("p", "cp-intro", S.intro);
    var msgs = h("div", "cp-msgs");
    msgs.setAttribute("role", "log");
    msgs.setAttribute("aria-live", "polite");
    msgs.setAttribute("aria-label", S.messages);
    log.appendChild(notice);
    log.appendChild(intro);
    log.appendChild(msgs);

    var typing = h("div", "cp-typing", "");
    typing.hidden = true;
    typing.setAttribute("aria-live", "polite");

    var offline = h("div", "cp-offline", S.offlineHint);
    offline.hidden = true;

    // Pre-chat and offline form: one form, its fields shown as the site asks (renderMode).
    var pre = h("form", "cp-pre");
    pre.hidden = true;
    pre.setAttribute("novalidate", "");
    var preIntro = h("p", "cp-pre-intro", "");
    pre.appendChild(preIntro);
    var fields = {};
    [["name", "text", "name"], ["email", "email", "email"], ["phone", "tel", "tel"], ["message", null, null]].forEach(function (f) {
      var label = h("label", "cp-field");
      var caption = h("span", "", S[f[0]]);
      var opt = h("small", "", " " + S.optional);
      caption.appendChild(opt);
      var box = f[1] ? h("input", "") : h("textarea", "");
      if (f[1]) { box.type = f[1]; box.autocomplete = f[2]; }
      box.name = f[0];
      box.maxLength = f[0] === "message" ? 5000 : (f[0] === "phone" ? 50 : 200);
      var err = h("span", "cp-field-err", "");
      err.hidden = true;
      label.appendChild(caption);
      label.appendChild(box);
      label.appendChild(err);
      pre.appendChild(label);
      fields[f[0]] = { label: label, box: box, opt: opt, err: err };
    });
    var preErr = h("p", "cp-pre-err", "");
    preErr.hidden = true;
    var preGo = h("button", "cp-pre-go", S.startChat);
    preGo.type = "submit";
    pre.appendChild(preErr);
    pre.appendChild(preGo);

    var form = h("form", "cp-form");
    form.setAttribute("novalidate", "");
    var input = h("textarea", "cp-input");
    input.rows = 1;
    input.placeholder = S.placeholder;
    input.setAttribute("aria-label", S.placeholder);
    var send = h("button", "cp-send");
    send.type = "submit";
    send.disabled = true;
    send.setAttribute("aria-label", S.send);
    send.title = S.send;
    send.appendChild(icon("send"));
    form.appendChild(input);
    form.appendChild(send);

    var count = h("div", "cp-count", "");
    count.hidden = true;
    count.setAttribute("aria-live", "polite");

    win.appendChild(head);
    win.appendChild(conn);
    win.appendChild(log);
    win.appendChild(typing);
    win.appendChild(offline);
    win.appendChild(pre);
    win.appendChild(form);
    win.appendChild(count);

    // "E-mail me this chat": a link, then an address field; the server sends it (transcript.request).
    var tools = h("div", "cp-tools");
    tools.hidden = true;
    var trLink = h("button", "cp-act cp-tr-open", S.transcript);
    trLink.type = "button";
    var trForm = h("form", "cp-tr");
    trForm.hidden = true;
    trForm.setAttribute("novalidate", "");
    var trEmail = h("input", "");
    trEmail.type = "email";
    trEmail.autocomplete = "email";
    trEmail.placeholder = S.transcriptEmail;
    trEmail.setAttribute("aria-label", S.transcriptEmail);
    var trGo = h("button", "cp-act", S.send);
    trGo.type = "submit";
    var trMsg = h("span", "cp-tr-msg", "");
    trForm.appendChild(trEmail);
    trForm.appendChild(trGo);
    tools.appendChild(trLink);
    tools.appendChild(trForm);
    tools.appendChild(trMsg);
    win.appendChild(tools);
    trLink.addEventListener("click", function () {
      trLink.hidden = true;
      trForm.hidden = false;
      trMsg.textContent = "";
      trEmail.focus();
    });
    trForm.addEventListener("submit", function (ev) { ev.preventDefault(); requestTranscript(); });

    var launcher = h("button", "cp-launcher");
    launcher.type = "button";
    launcher.setAttribute("aria-label", S.openChat);
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", "cp-win");
    launcher.appendChild(icon("chat"));
    var dot = h("span", "cp-launcher-dot");
    dot.hidden = true;
    var badge = h("span", "cp-badge", "");
    badge.hidden = true;
    launcher.appendChild(dot);
    launcher.appendChild(badge);

    var auto = h("div", "cp-bubble-auto");
    auto.hidden = true;
    var autoText = h("button", "cp-auto-text");
    autoText.type = "button";
    autoText.addEventListener("click", function () { openWindow(true); });
    var autoX = h("button", "cp-auto-x", "×");
    autoX.type = "button";
    autoX.setAttribute("aria-label", S.dismiss);
    autoX.addEventListener("click", function () { auto.hidden = true; });
    auto.appendChild(autoText);
    auto.appendChild(autoX);

    cp.appendChild(win);
    cp.appendChild(auto);
    cp.appendChild(launcher);
    root.appendChild(cp);

    ui = {
      host: host, cp: cp, win: win, av: av, title: title, status: status, closeBtn: closeBtn,
      conn: conn, log: log, msgs: msgs, typing: typing, offline: offline, form: form,
      input: input, send: send, count: count, launcher: launcher, dot: dot, badge: badge,
      notice: notice, soundBtn: soundBtn, auto: auto, autoText: autoText,
      intro: intro, pre: pre, preIntro: preIntro, fields: fields, preErr: preErr, preGo: preGo,
      tools: tools, trLink: trLink, trForm: trForm, trEmail: trEmail, trGo: trGo, trMsg: trMsg
    };
    pre.addEventListener("submit", function (ev) { ev.preventDefault(); submitContact(); });

    launcher.addEventListener("click", function () {
      if (state.open) closeWindow(); else openWindow(true);
    });
    closeBtn.addEventListener("click", closeWindow);
    win.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") { ev.preventDefault(); closeWindow(); }
    });
    form.addEventListener("submit", function (ev) { ev.preventDefault(); submit(); });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
        ev.preventDefault();
        submit();
      }
    });
    input.addEventListener("input", onInput);

    document.body.appendChild(host);
  }

  function renderHeader() {
    var p = state.presence;
    var agent = p.online && p.agents.length ? p.agents[0] : null;
    ui.title.textContent = state.siteName || S.chat;
    ui.cp.classList.toggle("cp-online", !!p.online);
    ui.status.textContent = p.online
      ? (agent && agent.name ? fmt(S.agentOnline, { name: agent.name }) : S.online)
      : S.offline;
    ui.av.textContent = "";
    var photo = agent ? safeImageUrl(agent.photo_url) : null;
    if (!photo && state.theme.logo_url) photo = safeImageUrl(state.theme.logo_url);
    var fallback = initial(agent ? agent.name : (state.siteName || S.chat));
    if (photo) {
      var img = document.createElement("img");
      img.alt = "";
      img.referrerPolicy = "no-referrer";
      img.addEventListener("error", function () {
        if (img.parentNode) img.parentNode.replaceChild(document.createTextNode(fallback), img);
      });
      img.src = photo;
      ui.av.appendChild(img);
    } else {
      ui.av.textContent = fallback;
    }
    ui.av.appendChild(h("span", "cp-av-dot"));
    ui.dot.hidden = !p.online || state.unread > 0;
    ui.offline.hidden = !!p.online || !state.welcomed || renderMode() === "offline";
  }

  // The privacy notice of the welcome frame, in the widget's language, above the first message.
  function renderNotice() {
    var n = state.notice;
    ui.notice.textContent = "";
    ui.notice.hidden = !n;
    if (!n) return;
    var text = n.texts && typeof n.texts[LANG] === "string" ? n.texts[LANG] : (n.texts && n.texts.en) || "";
    ui.notice.appendChild(document.createTextNode(text));
    var href = safeImageUrl(n.link); // http(s) only
    if (href) {
      var a = h("a", "", S.privacyLink);
      a.href = href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      ui.notice.appendChild(a);
    }
  }

  function renderSound() {
    var muted = store.get("sound") === "off";
    ui.soundBtn.textContent = "";
    ui.soundBtn.appendChild(icon(muted ? "soundOff" : "sound"));
    ui.soundBtn.setAttribute("aria-label", muted ? S.soundOn : S.soundOff);
    ui.soundBtn.title = muted ? S.soundOn : S.soundOff;
    ui.soundBtn.setAttribute("aria-pressed", muted ? "true" : "false");
  }

  function renderConn() {
    ui.conn.hidden = state.welcomed;
    ui.conn.textContent = state.everWelcomed ? S.reconnecting : S.connecting;
    ui.cp.setAttribute("data-connection", state.welcomed ? "connected" : "disconnected");
  }

  function renderBadge() {
    ui.badge.hidden = state.unread === 0;
    ui.badge.textContent = state.unread > 99 ? "99+" : String(state.unread);
    ui.launcher.setAttribute(
      "aria-label",
      state.open ? S.closeChat : (state.unread ? S.openChat + " — " + fmt(S.unread, { n: state.unread }) : S.openChat)
    );
    ui.dot.hidden = !state.presence.online || state.unread > 0;
  }

  function renderComposer() {
    renderForm();
    var text = ui.input.value;
    var max = state.maxChars;
    ui.input.maxLength = max;
    var left = max - text.length;
    ui.send.disabled = !text.trim() || left < 0;
    var warnAt = Math.min(200, Math.ceil(max * 0.1));
    ui.count.hidden = left > warnAt;
    ui.count.textContent = fmt(S.charsLeft, { n: Math.max(0, left) });
    ui.count.classList.toggle("cp-over", left <= 0);
    // grow the field with its content, up to the CSS max-height
    ui.input.style.height = "auto";
    ui.input.style.height = Math.min(ui.input.scrollHeight, 132) + "px";
  }

  function nearBottom() {
    var l = ui.log;
    return l.scrollHeight - l.scrollTop - l.clientHeight < 80;
  }
  function scrollDown() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function showAgentTyping(agent) {
    var stick = nearBottom();
    state.typingAgent = agent && agent.id != null ? agent.id : null;
    ui.typing.textContent = fmt(S.typing, { name: (agent && agent.name) || S.agent });
    ui.typing.hidden = false;
    clearTimeout(state.typingHideTimer);
    state.typingHideTimer = setTimeout(hideAgentTyping, 6000);
    if (stick) scrollDown();
  }
  function hideAgentTyping() {
    clearTimeout(state.typingHideTimer);
    state.typingAgent = null;
    ui.typing.hidden = true;
  }

  // One element per message; `entry` is its model.
  function buildMessage(entry) {
    var el = h("div", "cp-m cp-m-" + entry.author);
    if (entry.author === "agent") el.appendChild(h("div", "cp-m-name", entry.agentName || S.agent));
    el.appendChild(h("div", "cp-bubble", entry.body));
    entry.meta = h("div", "cp-meta");
    el.appendChild(entry.meta);
    entry.el = el;
    entryOf.set(el, entry);
    return el;
  }

  function renderMeta(entry) {
    var el = entry.el, meta = entry.meta;
    el.setAttribute("data-status", entry.status);
    if (entry.id != null) el.setAttribute("data-id", String(entry.id));
    meta.textContent = "";
    if (entry.status === "sending") {
      meta.appendChild(h("span", "cp-state", S.sending));
    } else if (entry.status === "failed") {
      meta.appendChild(h("span", "cp-state", S.failed + (entry.error ? ": " + entry.error : "")));
      var act = h("button", "cp-act", entry.noRetry ? S.edit : S.retry);
      act.type = "button";
      act.addEventListener("click", function () {
        if (entry.noRetry) editFailed(entry); else retry(entry);
      });
      meta.appendChild(act);
    } else {
      meta.appendChild(h("span", "cp-time", timeText(entry.createdAt)));
    }
  }

  function when(entry) {
    var t = entry.createdAt ? Date.parse(entry.createdAt) : NaN;
    return isNaN(t) ? Date.now() : t;
  }

  // Messages by the same author within 5 minutes form a group: one name label, one time.
  function regroup(el) {
    if (!el) return;
    var e = entryOf.get(el), prev = el.previousElementSibling && entryOf.get(el.previousElementSibling);
    var same = !!prev && prev.author === e.author && e.author !== "system" &&
      (e.author !== "agent" || prev.agentId === e.agentId) && Math.abs(when(e) - when(prev)) < 300000;
    el.classList.toggle("cp-cont", same);
  }

  // Server messages sorted by (conversation, seq); unacknowledged ones stay at the bottom.
  function place(entry) {
    var el = entry.el, list = ui.msgs, oldNext = el.parentNode === list ? el.nextElementSibling : null;
    if (entry.id == null) {
      if (list.lastElementChild !== el) list.appendChild(el);
    } else {
      var before = null;
      for (var k = list.lastElementChild; k; k = k.previousElementSibling) {
        if (k === el) continue;
        var o = entryOf.get(k);
        if (o.id == null || o.conv > entry.conv || (o.conv === entry.conv && o.seq > entry.seq)) before = k;
        else break;
      }
      if (before) {
        if (el.nextElementSibling !== before) list.insertBefore(el, before);
      } else if (list.lastElementChild !== el) {
        list.appendChild(el);
      }
    }
    regroup(el);
    regroup(el.nextElementSibling);
    if (oldNext && oldNext !== el.nextElementSibling) regroup(oldNext);
  }

  // ---------------------------------------------------------------- state

  var state = {
    open: false,
    chatStarted: false, // the visitor opened the chat on this page at least once
    ws: null,
    connId: 0,
    wsOpen: false,
    welcomed: false,
    everWelcomed: false,
    attempt: 0,
    reconnectTimer: null,
    notBefore: 0, // Date.now() before which the server asked not to connect again (retry_after)
    stableTimer: null,
    sessionRequested: false,
    sessionReady: false,
    syncing: false,
    conv: null, // the visitor's open conversation id
    contig: {}, // conversation id -> highest seq N such that 1..N were all seen
    ahead: {}, // conversation id -> {seq: true} seen beyond contig
    knownLast: {}, // conversation id -> last_seq the server reported
    byId: {}, // message id -> entry
    byClient: {}, // client_id -> entry (visitor messages)
    pending: [], // own entries not acknowledged yet, in send order
    limitTimer: null, // set while the server refuses messages (rate_limited); they wait, in order
    maxChars: 5000,
    siteName: "",
    presence: { online: false, agents: [] },
    unread: 0,
    typingOn: false,
    typingSentAt: 0,
    typingIdleTimer: null,
    typingHideTimer: null,
    typingAgent: null,
    ackTimer: null,
    notice: null, // {version, texts: {en, de, cs}, link} from welcome
    autoMessage: null, // {text, delay_seconds}: marketing, only with consent
    autoTimer: null,
    sentConsent: "", // the consent state last reported on this socket
    started: false,
    openOnStart: false,
    pageTracked: false,
    visitCounted: false,
    pageStart: Date.now(),
    prechat: { name: "off", email: "off", phone: "off" }, // what the site asks (welcome)
    contactMissing: [], // required fields the server still wants (session, contact.ack)
    newVisitor: false, // this session was created now: offer the optional pre-chat fields once
    contactGiven: false,
    contactSending: null, // {offline, message} while a contact frame is unanswered
    offlineSent: false,
    lastConv: null, // the latest conversation, open or closed: the one a transcript is for
    transcriptPending: false,
    offlineForm: false, // the site has a notification address (welcome)
    contextSent: false,
    theme: { color: "", position: "right", greeting: "", logo_url: null }
  };

  // ---------------------------------------------------------------- transport

  function send(frame) {
    if (!state.ws || !state.wsOpen) return false;
    try {
      state.ws.send(JSON.stringify(frame));
      return true;
    } catch (e) {
      return false;
    }
  }

  function connect() {
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = null;
    if (state.ws) return;
    var sock;
    try {
      sock = new WebSocket(WS_URL);
    } catch (e) {
      scheduleReconnect();
      return;
    }
    state.ws = sock;
    state.connId++;
    state.sentConsent = "";
    state.contextSent = false;
    sock.onopen = function () {
      if (state.ws !== sock) return;
      state.wsOpen = true;
      clearTimeout(state.stableTimer);
      state.stableTimer = setTimeout(function () { state.attempt = 0; }, 10000);
    };
    sock.onmessage = function (ev) {
      if (state.ws !== sock || typeof ev.data !== "string") return;
      var frame;
      try { frame = JSON.parse(ev.data); } catch (e) { return; }
      if (!frame || typeof frame.type !== "string") return;
      if (Object.prototype.hasOwnProperty.call(HANDLERS, frame.type)) HANDLERS[frame.type](frame);
    };
    sock.onclose = function () {
      if (state.ws === sock) dropped();
    };
    sock.onerror = function () { /* a close event follows */ };
  }

  // Forget the current socket (if any) and plan the next attempt.
  function dropped() {
    var sock = state.ws;
    state.ws = null;
    state.wsOpen = false;
    state.welcomed = false;
    state.sessionRequested = false;
    state.sessionReady = false;
    state.syncing = false;
    state.typingOn = false;
    clearTimeout(state.stableTimer);
    clearTimeout(state.ackTimer);
    state.ackTimer = null;
    clearTimeout(state.limitTimer); // a new socket has fresh limits; flushPending sends in order
    state.limitTimer = null;
    if (sock) {
      sock.onopen = sock.onmessage = sock.onclose = sock.onerror = null;
      try { sock.close(); } catch (e) { /* already closed */ }
    }
    hideAgentTyping();
    renderConn();
    renderHeader();
    scheduleReconnect();
  }

  // 0.5 s doubling to 3 s, ±30 % jitter, so never more than 3.9 s between attempts: back within
  // 5 s of a server that is (a Redis restart closes every socket with 4012 and refuses new ones
  // with 4013 until Redis answers). Not before a refusal's retry_after; the attempt count resets
  // after 10 s connected.
  function scheduleReconnect() {
    if (state.reconnectTimer) return;
    var base = Math.min(3000, 500 * Math.pow(2, state.attempt));
    state.attempt = Math.min(state.attempt + 1, 10);
    var delay = Math.max(300, base * (0.7 + Math.random() * 0.6), state.notBefore - Date.now());
    state.reconnectTimer = setTimeout(connect, delay);
  }

  function reconnectNow() {
    if (state.ws) return;
    if (Date.now() < state.notBefore) { scheduleReconnect(); return; }
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = null;
    connect();
  }

  // Only once the visitor has opened the chat on this page; after that a reconnect resumes
  // the session even with the window closed, so agent replies still raise the badge.
  function startSession() {
    if (!(state.open || state.chatStarted) || !state.welcomed || state.sessionRequested) return;
    state.chatStarted = true;
    state.sessionRequested = true;
    var token = store.get("token");
    send(token ? { type: "session.start", token: token } : { type: "session.start" });
  }

  function noteConversation(c) {
    if (!c || typeof c.id !== "number") return;
    if (state.lastConv == null || c.id >= state.lastConv) state.lastConv = c.id;
    if (c.status === "open" && state.conv !== c.id) setTimeout(renderComposer, 0);
    if (typeof c.last_seq === "number") state.knownLast[c.id] = Math.max(state.knownLast[c.id] || 0, c.last_seq);
    if (c.status === "open") state.conv = c.id;
    else if (state.conv === c.id) state.conv = null;
  }

  function noteSeq(conv, seq) {
    if (typeof conv !== "number" || typeof seq !== "number") return;
    var cur = state.contig[conv] || 0;
    if (seq <= cur) return;
    var ahead = state.ahead[conv] || (state.ahead[conv] = {});
    ahead[seq] = true;
    while (ahead[cur + 1]) {
      delete ahead[cur + 1];
      cur++;
    }
    state.contig[conv] = cur;
  }

  function startSync(conv) {
    state.syncing = true;
    send({ type: "sync", conversation: conv, after_seq: state.contig[conv] || 0 });
  }

  // Missed something on a live connection (a seq gap): fetch it.
  function fillGaps() {
    var c = state.conv;
    if (c == null || !state.sessionReady || state.syncing) return;
    if ((state.knownLast[c] || 0) > (state.contig[c] || 0)) startSync(c);
  }

  // Send every unacknowledged message again, with its original client_id.
  function flushPending() {
    if (!state.sessionReady || state.syncing) return;
    for (var i = 0; i < state.pending.length; i++) {
      var e = state.pending[i];
      if (e.noRetry) continue;
      if (e.sentConn === state.connId && e.status === "sending") continue;
      transmit(e);
    }
  }

  function transmit(entry) {
    setStatus(entry, "sending");
    if (!state.sessionReady || state.syncing) return; // flushPending sends it later
    if (state.limitTimer) {
      entry.sentConn = -1; // waits behind the refused ones: resumeAfterLimit sends it
      entry.limited = true;
      return;
    }
    entry.limited = false;
    var frame = { type: "message.send", client_id: entry.clientId, body: entry.body };
    if (state.notice) {
      // Recorded with the conversation this message may open: which notice the visitor saw.
      frame.notice_version = state.notice.version;
      frame.lang = LANG;
    }
    if (send(frame)) {
      entry.sentConn = state.connId;
      entry.sentAt = Date.now();
      armAckTimer();
    }
  }

  // A socket can die silently; if an ack is overdue, reconnect (sends are idempotent).
  function armAckTimer() {
    if (state.ackTimer) return;
    state.ackTimer = setTimeout(function () {
      state.ackTimer = null;
      var now = Date.now(), overdue = false, waiting = false;
      for (var i = 0; i < state.pending.length; i++) {
        var e = state.pending[i];
        if (e.status !== "sending" || e.sentConn !== state.connId) continue;
        if (now - e.sentAt >= 15000) overdue = true; else waiting = true;
      }
      if (overdue && state.ws) dropped();
      else if (waiting) armAckTimer();
    }, 15000);
  }

  function setStatus(entry, status) {
    entry.status = status;
    renderMeta(entry);
  }

  // Send the messages the server refused or that waited behind them, in the order typed.
  function resumeAfterLimit() {
    state.limitTimer = null;
    var waiting = state.pending.filter(function (e) { return e.limited; });
    for (var i = 0; i < waiting.length; i++) if (waiting[i].status === "sending") transmit(waiting[i]);
  }

  function removePending(entry) {
    var i = state.pending.indexOf(entry);
    if (i >= 0) state.pending.splice(i, 1);
  }

  // A message the server stored (ack, push or sync). Dedupes by id and by client_id.
  // New agent messages count as unread while the window is closed.
  function acceptMessage(m) {
    if (!m || typeof m.id !== "number") return;
    if (typeof m.conversation === "number" && !(m.conversation <= state.lastConv)) {
      state.lastConv = m.conversation;
      if (ui.tools) renderForm();
    }
    noteSeq(m.conversation, m.seq);
    var entry = state.byId[m.id];
    if (entry) {
      if (entry.status !== "sent") { removePending(entry); setStatus(entry, "sent"); }
      return;
    }
    var stick = nearBottom();
    var mine = m.author === "visitor" && m.client_id ? state.byClient[m.client_id] : null;
    if (mine) {
      entry = mine;
      removePending(entry);
    } else {
      var author = m.author === "agent" || m.author === "system" ? m.author : "visitor";
      entry = {
        author: author,
        body: String(m.body == null ? "" : m.body),
        agentId: m.agent && m.agent.id != null ? m.agent.id : null,
        agentName: m.agent && m.agent.name ? String(m.agent.name) : ""
      };
      buildMessage(entry);
      if (author === "visitor" && m.client_id) state.byClient[m.client_id] = entry;
    }
    entry.id = m.id;
    entry.conv = m.conversation;
    entry.seq = m.seq;
    entry.createdAt = m.created_at;
    entry.status = "sent";
    entry.error = "";
    state.byId[m.id] = entry;
    renderMeta(entry);
    place(entry);
    if (entry.author === "agent") {
      if (state.typingAgent == null || state.typingAgent === entry.agentId) hideAgentTyping();
      if (!state.open) { state.unread++; renderBadge(); }
    }
    if (stick || mine) scrollDown();
  }

  function sendTyping(on) {
    clearTimeout(state.typingIdleTimer);
    if (!on && !state.typingOn) return;
    if (!state.sessionReady || state.conv == null) { state.typingOn = false; return; }
    if (send({ type: "typing", is_typing: on })) {
      state.typingOn = on;
      state.typingSentAt = Date.now();
    }
  }

  function onInput() {
    renderComposer();
    if (ui.input.value.trim()) store.set("draft", ui.input.value);
    else store.del("draft");
    if (ui.input.value.trim()) {
      if (!state.typingOn || Date.now() - state.typingSentAt >= 2000) sendTyping(true);
      clearTimeout(state.typingIdleTimer);
      state.typingIdleTimer = setTimeout(function () { sendTyping(false); }, 5000);
    } else {
      sendTyping(false);
    }
  }

  function submit() {
    var body = ui.input.value.replace(/\s+$/, "").replace(/^(?:[ \t]*\r?\n)+/, "");
    if (!body.trim() || body.length > state.maxChars) return;
    ui.input.value = "";
    store.del("draft");
    renderComposer();
    sendTyping(false);
    postMessage(body);
    ui.input.focus();
  }

  function postMessage(body) {
    var entry = { author: "visitor", body: body, clientId: newClientId(), id: null, status: "sending", createdAt: null };
    buildMessage(entry);
    state.byClient[entry.clientId] = entry;
    state.pending.push(entry);
    renderMeta(entry);
    place(entry);
    scrollDown();
    transmit(entry);
  }

  function retry(entry) {
    entry.noRetry = false;
    entry.error = "";
    transmit(entry);
  }

  // A message the server will never take as it is: give its text back to the visitor.
  function editFailed(entry) {
    removePending(entry);
    delete state.byClient[entry.clientId];
    var next = entry.el.nextElementSibling;
    entry.el.remove();
    regroup(next);
    if (!ui.input.value.trim()) ui.input.value = entry.body;
    renderComposer();
    ui.input.focus();
  }

  var NO_RETRY = {
    body_too_large: true,
    empty_body: true,
    invalid_field: true,
    client_id_conflict: true,
    processing_restricted: true
  };

  // Dispatch table for server frames (docs/protocol.md, "Visitor endpoint").
  var HANDLERS = {
    welcome: function (f) {
      state.welcomed = true;
      state.everWelcomed = true;
      if (f.site && typeof f.site.name === "string") state.siteName = f.site.name;
      if (typeof f.max_body_chars === "number" && f.max_body_chars > 0) state.maxChars = f.max_body_chars;
      HANDLERS.presence(f.presence || {});
      var n = f.notice;
      state.notice = n && typeof n === "object" && typeof n.version === "number" ? n : null;
      renderNotice();
      var auto = f.auto_message;
      state.autoMessage = auto && typeof auto.text === "string" && auto.text ? auto : null;
      offerAutoMessage();
      if (f.prechat && typeof f.prechat === "object") state.prechat = f.prechat;
      state.offlineForm = f.offline_form === true;
      if (f.theme && typeof f.theme === "object") applyTheme(f.theme);
      renderConn();
      renderComposer();
      startSession();
    },
    presence: function (f) {
      state.presence = {
        online: !!f.online,
        agents: Array.isArray(f.agents) ? f.agents.filter(function (a) { return a && typeof a === "object"; }) : []
      };
      renderHeader();
      renderBadge();
      renderComposer();
    },
    session: function (f) {
      if (typeof f.token === "string" && f.token) store.set("token", f.token);
      state.sessionReady = true;
      state.newVisitor = typeof f.token === "string" && !!f.token;
      state.contactMissing = f.visitor && Array.isArray(f.visitor.contact_missing) ? f.visitor.contact_missing : [];
      reportConsent();
      sendContext();
      if (state.contactSending) sendContact();
      renderComposer();
      var c = f.conversation;
      if (c && typeof c.id === "number") {
        noteConversation(c);
        startSync(c.id);
      } else {
        state.conv = null;
        flushPending();
      }
    },
    sync: function (f) {
      var list = Array.isArray(f.messages) ? f.messages : [];
      for (var i = 0; i < list.length; i++) acceptMessage(list[i]);
      var last = list.length ? list[list.length - 1].seq : null;
      if (f.has_more && typeof last === "number") {
        send({ type: "sync", conversation: f.conversation, after_seq: last });
        return;
      }
      state.syncing = false;
      flushPending();
    },
    "transcript.ack": function (f) {
      state.transcriptPending = false;
      ui.trGo.disabled = false;
      ui.trForm.hidden = true;
      ui.trLink.hidden = false;
      // confirm: the address was not the one of the contact form; a confirmation link went there.
      ui.trMsg.textContent = f.confirm ? S.transcriptConfirm : S.transcriptSent;
    },
    "contact.ack": function (f) {
      var sending = state.contactSending;
      state.contactSending = null;
      state.contactGiven = true;
      state.contactMissing = Array.isArray(f.contact_missing) ? f.contact_missing : [];
      ui.preGo.disabled = false;
      if (sending && sending.offline && sending.message) {
        state.offlineSent = true;
        postMessage(sending.message);
        ui.fields.message.box.value = "";
        var thanks = h("div", "cp-m cp-m-system");
        thanks.appendChild(h("div", "cp-bubble", S.offlineSent));
        ui.log.appendChild(thanks);
      }
      renderComposer();
      flushPending();
      if (state.open) ui.input.focus();
    },
    "message.ack": function (f) {
      noteConversation(f.conversation);
      acceptMessage(f.message);
      fillGaps();
    },
    "message.new": function (f) {
      var m = f.message;
      if (m && m.author === "agent" && typeof m.id === "number" && !state.byId[m.id] &&
          (!state.open || document.visibilityState === "hidden")) ding();
      if (m && typeof m.conversation === "number" && typeof m.seq === "number") {
        state.knownLast[m.conversation] = Math.max(state.knownLast[m.conversation] || 0, m.seq);
        if (state.conv == null) state.conv = m.conversation;
      }
      acceptMessage(m);
      fillGaps();
    },
    "conversation.updated": function (f) {
      noteConversation(f.conversation);
      fillGaps();
    },
    "session.ended": function () {
      // The site erased this visitor; the server closes the socket next. Never present the token again,
      // and take the erased history off the screen too.
      store.del("token");
      state.sessionReady = false;
      state.conv = null;
      state.contig = {};
      state.ahead = {};
      state.knownLast = {};
      state.byId = {};
      state.byClient = {};
      state.pending = [];
      state.unread = 0;
      ui.msgs.textContent = "";
      var note = h("div", "cp-m cp-m-system");
      note.appendChild(h("div", "cp-bubble", S.erased));
      ui.msgs.appendChild(note);
      renderBadge();
    },
    typing: function (f) {
      if (f.author !== "agent") return;
      if (f.is_typing) showAgentTyping(f.agent);
      else hideAgentTyping();
    },
    error: function (f) {
      var code = f.code;
      var detail = typeof f.detail === "string" ? f.detail : "";
      if ((code === "unavailable" || code === "too_many_connections") && !f.client_id) {
        // A refused connection (close 4013 or 4008 follows): the next attempt waits this long.
        state.notBefore = Date.now() + Math.min(Math.max(Number(f.retry_after) || 1, 1), 120) * 1000;
        return;
      }
      if (state.transcriptPending && !f.client_id && code !== "no_session") {
        state.transcriptPending = false;
        ui.trGo.disabled = false;
        ui.trMsg.textContent = detail;
        return;
      }
      if (state.contactSending && !f.client_id && (code === "invalid_field" || code === "contact_required" ||
          code === "processing_restricted")) {
        state.contactSending = null;
        ui.preGo.disabled = false;
        ui.preErr.textContent = detail;
        ui.preErr.hidden = false;
        return;
      }
      if (code === "contact_required" && f.client_id && state.byClient[f.client_id]) {
        // The site wants contact data first: ask for it, and the message goes out after contact.ack.
        var waiting = state.byClient[f.client_id];
        waiting.sentConn = -1;
        var m = /`(\w+)`/.exec(detail);
        state.contactMissing = m ? [m[1]] : ["email"];
        renderComposer();
        return;
      }
      if (code === "invalid_token") {
        store.del("token");
        state.sessionReady = false;
        if ((state.open || state.chatStarted) && state.welcomed) {
          state.sessionRequested = true;
          send({ type: "session.start" });
        } else {
          state.sessionRequested = false;
        }
        return;
      }
      if (code === "rate_limited" && !f.client_id && state.sessionRequested && !state.sessionReady) {
        // Too many new chats from this network or for this site just now: ask again later.
        var wait = Math.min(Math.max(Number(f.retry_after) || 5, 1), 120);
        state.sessionRequested = false;
        setTimeout(startSession, wait * 1000);
        return;
      }
      if (code === "no_session") {
        // The frame (a send, if it had a client_id) stays pending and goes out after the session.
        if (state.sessionReady) {
          state.sessionReady = false;
          state.sessionRequested = false;
          startSession();
        }
        return;
      }
      if (code === "rate_limited" && f.client_id && state.byClient[f.client_id]) {
        // Not applied: it goes out again, with the same client_id and before any later
        // message, once the server takes frames again (it refuses all until then).
        state.byClient[f.client_id].sentConn = -1; // not in flight: the ack timer skips it
        state.byClient[f.client_id].limited = true;
        clearTimeout(state.limitTimer);
        state.limitTimer = setTimeout(resumeAfterLimit, Math.max(1, Number(f.retry_after) || 1) * 1000);
        return;
      }
      var entry = f.client_id ? state.byClient[f.client_id] : null;
      if (entry && entry.status !== "sent") {
        entry.error = detail;
        entry.noRetry = !!NO_RETRY[code];
        setStatus(entry, "failed");
        return;
      }
      if (state.syncing) {
        // A refused sync (e.g. not_found): don't hold the queue back.
        state.syncing = false;
        flushPending();
      } else if (state.sessionRequested && !state.sessionReady && code === "server_error") {
        setTimeout(function () {
          if (state.sessionRequested && !state.sessionReady && state.welcomed) {
            state.sessionRequested = false;
            startSession();
          }
        }, 3000);
      }
    }
  };

  // ---------------------------------------------------------------- pre-chat and offline form

  function asked(field, offline) {
    if (field === "message") return offline ? "required" : "off";
    if (field === "email" && offline) return "required";
    var a = state.prechat[field];
    return a === "optional" || a === "required" ? a : "off";
  }

  // "offline": nobody online and no conversation yet; "prechat": the site asks before the first
  // message; "chat": the composer.
  function renderMode() {
    if (!state.sessionReady) return "chat";
    var fresh = state.conv == null && !state.offlineSent && !state.contactGiven;
    if (fresh && state.offlineForm && !state.presence.online) return "offline";
    if (state.contactMissing.length) return "prechat";
    if (state.conv != null || state.offlineSent) return "chat";
    var anyAsked = asked("name") !== "off" || asked("email") !== "off" || asked("phone") !== "off";
    if (anyAsked && state.newVisitor && !state.contactGiven) return "prechat";
    return "chat";
  }

  function renderForm() {
    var mode = renderMode();
    var offline = mode === "offline";
    ui.pre.hidden = mode === "chat";
    ui.form.hidden = mode !== "chat";
    ui.tools.hidden = mode !== "chat" || (state.conv == null && state.lastConv == null);
    if (mode === "chat") return;
    ui.preIntro.textContent = offline ? S.offlineIntro : S.prechatIntro;
    ui.preGo.textContent = offline ? S.sendOffline : S.startChat;
    for (var name in ui.fields) {
      var a = name === "message" ? asked(name, offline) : asked(name, offline);
      if (!offline && state.contactMissing.indexOf(name) >= 0) a = "required";
      var f = ui.fields[name];
      f.label.hidden = a === "off";
      f.opt.hidden = a !== "optional";
      f.box.required = a === "required";
    }
  }

  function submitContact() {
    if (state.contactSending) return;
    var offline = renderMode() === "offline";
    var values = {}, ok = true, first = null;
    ui.preErr.hidden = true;
    for (var name in ui.fields) {
      var f = ui.fields[name];
      var v = f.box.value.trim();
      var problem = "";
      if (!f.label.hidden) {
        if (f.box.required && !v) problem = S.required;
        else if (name === "email" && v && !f.box.checkValidity()) problem = S.badEmail;
        if (name !== "message" && v) values[name] = v;
      }
      f.err.textContent = problem;
      f.err.hidden = !problem;
      if (problem) { f.label.setAttribute("data-invalid", ""); ok = false; first = first || f.box; }
      else f.label.removeAttribute("data-invalid");
    }
    if (!ok) { first.focus(); return; }
    state.contactSending = {
      offline: offline,
      values: values,
      message: offline ? ui.fields.message.box.value.replace(/\s+$/, "") : ""
    };
    ui.preGo.disabled = true;
    sendContact();
  }

  // (Outside buildView, where `send` names the composer's button.)
  function requestTranscript() {
    var conv = state.conv != null ? state.conv : state.lastConv;
    var email = ui.trEmail.value.trim();
    if (!email || !ui.trEmail.checkValidity()) { ui.trMsg.textContent = S.badEmail; return; }
    if (conv == null || !send({ type: "transcript.request", conversation: conv, email: email, lang: LANG })) return;
    state.transcriptPending = true;
    ui.trGo.disabled = true;
  }

  function sendContact() {
    var c = state.contactSending;
    if (!c || !state.sessionReady) return; // sent once the session is there
    var frame = { type: "contact", offline: c.offline };
    for (var k in c.values) frame[k] = c.values[k];
    send(frame);
  }

  // Where the visitor is, for the agent: once per page and session; more only with analytics consent.
  function sendContext() {
    if (!state.sessionReady || state.contextSent) return;
    var frame = { type: "context", page: { path: location.pathname, title: String(document.title || "").slice(0, 200) } };
    if (consent.analytics) {
      frame.pages = store.getJSON("pages") || [];
      frame.referrer = document.referrer || "";
      frame.screen = screen.width + "x" + screen.height;
    }
    if (send(frame)) state.contextSent = true;
  }

  function applyTheme(t) {
    state.theme = {
      color: /^#[0-9a-fA-F]{6}$/.test(t.color || "") ? t.color : "",
      position: t.position === "left" ? "left" : "right",
      greeting: typeof t.greeting === "string" ? t.greeting : "",
      logo_url: typeof t.logo_url === "string" ? t.logo_url : null
    };
    if (!ui.cp) return;
    if (state.theme.color) {
      var n = parseInt(state.theme.color.slice(1), 16);
      var dark = [n >> 16, (n >> 8) & 255, n & 255].map(function (c) { return Math.round(c * 0.85); });
      ui.cp.style.setProperty("--cp-brand", state.theme.color);
      ui.cp.style.setProperty("--cp-brand-dark", "rgb(" + dark.join(",") + ")");
    }
    ui.cp.classList.toggle("cp-left", state.theme.position === "left");
    ui.intro.textContent = state.theme.greeting || S.intro;
    renderHeader();
  }

  // ---------------------------------------------------------------- sound

  var audio = null;
  function ding() {
    if (store.get("sound") === "off") return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator(), gain = audio.createGain(), t = audio.currentTime;
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.15, t + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.3);
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start(t);
      osc.stop(t + 0.32);
    } catch (e) { /* no audio: the badge still shows */ }
  }

  // ---------------------------------------------------------------- consent

  var DAY = 86400000;

  function applyConsent(c) {
    if (!c || typeof c !== "object") return;
    consent.known = true;
    consent.analytics = c.analytics === true;
    consent.marketing = c.marketing === true;
    // Withdrawn or refused: delete what the category wrote, here or on an earlier page.
    if (!consent.analytics) store.dropCategory("analytics");
    if (!consent.marketing) {
      store.dropCategory("marketing");
      clearTimeout(state.autoTimer);
      state.autoTimer = null;
      if (ui.auto) ui.auto.hidden = true;
    }
    if (state.started) useConsent();
    else if (WAIT_FOR_CONSENT) start();
    reportConsent();
  }

  // Once per page: what the consented categories are for.
  function useConsent() {
    if (consent.analytics && !state.pageTracked) {
      state.pageTracked = true;
      var pages = (store.getJSON("pages") || []).filter(function (p) {
        return p && typeof p.t === "number" && Date.now() - p.t < 30 * DAY;
      });
      // The path only: query strings and fragments can carry personal data.
      pages.push({ p: location.pathname, t: state.pageStart, d: 0 });
      store.set("pages", JSON.stringify(pages.slice(-20)));
    }
    if (consent.marketing && !state.visitCounted) {
      state.visitCounted = true;
      var v = store.getJSON("visits") || {};
      var now = Date.now();
      var fresh = !(typeof v.last === "number" && now - v.last < 30 * 60000); // 30 min idle = new visit
      store.set("visits", JSON.stringify({
        n: (typeof v.n === "number" ? v.n : 0) + (fresh ? 1 : 0),
        last: now,
        offered: fresh ? false : v.offered === true
      }));
    }
    offerAutoMessage();
  }

  // Time on the page, written when the visitor leaves it.
  function notePageTime() {
    if (!consent.analytics || !state.pageTracked) return;
    var pages = store.getJSON("pages");
    if (!Array.isArray(pages) || !pages.length) return;
    var last = pages[pages.length - 1];
    if (last && last.t === state.pageStart) {
      last.d = Math.round((Date.now() - state.pageStart) / 1000);
      store.set("pages", JSON.stringify(pages));
    }
  }

  // The automated message: marketing, so only with consent, once a visit, never once chatting.
  function offerAutoMessage() {
    var a = state.autoMessage;
    if (!a || !consent.marketing || !state.started || state.chatStarted || state.autoTimer) return;
    var v = store.getJSON("visits");
    if (!v || v.offered) return;
    var delay = Math.max(0, Math.min(3600, Number(a.delay_seconds) || 0)) * 1000;
    state.autoTimer = setTimeout(function () {
      var now = store.getJSON("visits");
      if (!consent.marketing || state.chatStarted || state.open || !now || now.offered) return;
      now.offered = true;
      store.set("visits", JSON.stringify(now));
      ui.autoText.textContent = a.text;
      ui.auto.hidden = false;
    }, delay);
  }

  // The server records consent with the visitor, so only once there is a session.
  function reportConsent() {
    if (!consent.known || !state.sessionReady) return;
    var key = (consent.analytics ? "a" : "-") + (consent.marketing ? "m" : "-");
    if (key === state.sentConsent) return;
    var frame = { type: "consent", analytics: consent.analytics, marketing: consent.marketing };
    if (state.notice) frame.notice_version = state.notice.version;
    if (send(frame)) {
      var gained = consent.analytics && state.sentConsent.charAt(0) !== "a";
      state.sentConsent = key;
      if (gained) { state.contextSent = false; sendContext(); }
    }
  }

  // ---------------------------------------------------------------- window

  function openWindow(byUser) {
    if (state.open) return;
    state.open = true;
    state.chatStarted = true;
    store.set("open", "1");
    if (ui.auto) ui.auto.hidden = true;
    ui.win.hidden = false;
    ui.cp.classList.add("cp-open");
    ui.launcher.setAttribute("aria-expanded", "true");
    ui.launcher.replaceChild(icon("close"), ui.launcher.querySelector(".cp-icon"));
    state.unread = 0;
    renderBadge();
    renderConn();
    renderComposer();
    scrollDown();
    if (byUser) ui.input.focus();
    startSession();
  }

  function closeWindow() {
    if (!state.open) return;
    state.open = false;
    store.del("open");
    sendTyping(false);
    ui.win.hidden = true;
    ui.cp.classList.remove("cp-open");
    ui.launcher.setAttribute("aria-expanded", "false");
    ui.launcher.replaceChild(icon("chat"), ui.launcher.querySelector(".cp-icon"));
    renderBadge();
    ui.launcher.focus();
  }

  // ---------------------------------------------------------------- start

  function start() {
    if (state.started || (WAIT_FOR_CONSENT && !consent.known)) return;
    if (!document.body) {
      document.addEventListener("DOMContentLoaded", start);
      return;
    }
    state.started = true;
    buildView();
    if (PREVIEW) return startPreview();
    renderHeader();
    renderConn();
    renderBadge();
    renderSound();
    var draft = store.get("draft");
    if (draft) ui.input.value = draft;
    renderComposer();
    connect();
    useConsent();
    // Re-open on the next page only if the visitor left it open (reading is not storing).
    if (store.get("open") === "1" || state.openOnStart) openWindow(false);

    window.addEventListener("pagehide", notePageTime);
    window.addEventListener("offline", function () { if (state.ws) dropped(); });
    window.addEventListener("online", function () { state.attempt = 0; reconnectNow(); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") reconnectNow();
      else notePageTime();
    });
  }

  function startPreview() {
    var theme = {};
    try { theme = JSON.parse(script.getAttribute("data-theme") || "{}"); } catch (e) { /* defaults */ }
    state.welcomed = true;
    state.siteName = typeof theme.site_name === "string" ? theme.site_name : "";
    state.presence = { online: true, agents: [{ id: 0, name: S.agent, photo_url: null }] };
    applyTheme(theme);
    renderConn();
    openWindow(false);
    acceptMessage({ id: 1, conversation: 0, seq: 1, author: "visitor", body: "Hello!", created_at: new Date().toISOString() });
    acceptMessage({ id: 2, conversation: 0, seq: 2, author: "agent", agent: { id: 0, name: S.agent }, body: state.theme.greeting || S.intro, created_at: new Date().toISOString() });
  }

  // ---------------------------------------------------------------- public API

  function command(name, arg) {
    if (name === "consent") applyConsent(arg);
    else if (name === "open") { if (state.started) openWindow(true); else state.openOnStart = true; }
    else if (name === "close") { if (state.started) closeWindow(); else state.openOnStart = false; }
  }

  // window.chatplatform is shared by every widget on the page; the stub from docs/consent.md
  // queues calls made before any widget loaded in `q`.
  var api = window.chatplatform;
  if (typeof api !== "function" || !Array.isArray(api.widgets)) {
    var queued = api && Array.isArray(api.q) ? api.q : [];
    api = function (name, arg) {
      if (name === "consent") api.consent = arg;
      for (var i = 0; i < api.widgets.length; i++) api.widgets[i](name, arg);
    };
    api.widgets = [command];
    window.chatplatform = api;
    for (var qi = 0; qi < queued.length; qi++) api(queued[qi][0], queued[qi][1]);
  } else {
    api.widgets.push(command);
    if (api.consent) command("consent", api.consent);
  }

  start();
})();
