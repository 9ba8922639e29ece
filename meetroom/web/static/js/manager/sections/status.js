// Status: app state, server, account, ports, versions, and the live stream of notifications.

import { card, clear, h } from "../ui.js";

const STATES = ["no server", "connecting to the server", "login needed", "ready", "call pending", "in a conference", "ending the conference"];
const LOG_LIMIT = 100;

function dl(pairs) {
  return h("dl", { class: "facts" }, ...pairs.flatMap(([k, v]) => [h("dt", { text: k }), h("dd", { text: v ?? "" })]));
}

export default {
  id: "status",
  title: "Status",
  admin: false,

  build(ctx, el) {
    this.facts = h("div", { class: "facts-box" });
    this.log = h("ol", { class: "log", "aria-live": "polite", id: "event-log" });
    this.values = {};
    el.append(
      card("Room", this.facts),
      card("Live notifications", h("p", { class: "hint", text: "Newest first; every notification this connection receives." }), this.log)
    );
    ctx.on("*", (msg) => this.logEvent(msg));
    ctx.on("appStateChanged", (msg) => this.set({ state: STATES[msg.appState] ?? msg.appState, httpPort: msg.embeddedHttpPort }));
    ctx.on("serverConnected", (msg) => this.set({ server: `${msg.server}:${msg.port} (connected)` }));
    ctx.on("serverDisconnected", (msg) => this.set({ server: `${msg.server || ""} (disconnected)` }));
    ctx.on("login", (msg) => this.set({ account: msg.result === 0 || msg.result === true ? `${msg.peerDn || ""} ${msg.peerId || ""}` : "login failed" }));
    ctx.on("logout", () => this.set({ account: "not logged in" }));
  },

  set(values) {
    Object.assign(this.values, values);
    const v = this.values;
    clear(
      this.facts,
      dl([
        ["Mode", v.role],
        ["App state", v.state],
        ["Server", v.server],
        ["Account", v.account],
        ["WebSocket port", v.wsPort],
        ["HTTP port", v.httpPort],
        ["Version", v.version],
        ["Instance", v.instance],
        ["Runs as", v.runsAs],
      ])
    );
  },

  logEvent(msg) {
    const { method, event, ...rest } = msg;
    const item = h("li", {}, h("time", { text: new Date().toLocaleTimeString() }), h("strong", { text: event }), h("code", { text: JSON.stringify(rest) }));
    this.log.prepend(item);
    while (this.log.children.length > LOG_LIMIT) this.log.lastChild.remove();
  },

  async load(ctx) {
    this.set({ role: ctx.isAdmin() ? "administrator" : "user", wsPort: ctx.ports.wsPort, httpPort: ctx.ports.httpPort, instance: ctx.instance });
    const [app, conn, login, sys] = await Promise.all(["getAppState", "getConnected", "getLogin", "getSystemInfo"].map((m) => ctx.api.call(m)));
    const values = {};
    if (app.result) Object.assign(values, { state: STATES[app.appState] ?? app.appState, httpPort: app.embeddedHttpPort });
    if (conn.result) values.server = conn.serverInfo ? `${conn.serverInfo.server}:${conn.serverInfo.port} (${["not connected", "connecting", "connected"][conn.state]})` : "not connected";
    else values.server = conn.error;
    if (login.result) values.account = login.isLoggedIn ? `${login.peerDn || ""} (${login.peerId})` : "not logged in";
    else values.account = login.error;
    if (sys.result && sys.productInfo) {
      const p = sys.productInfo;
      values.version = `${p.major}.${p.minor}.${p.revision}`;
    }
    if (sys.result && sys.serviceInfo) {
      const s = sys.serviceInfo;
      values.runsAs = s.runsAsService ? `${s.manager} service ${s.unit || ""}${s.watchdog ? " (watchdog on)" : ""}`.trim() : "a program started by hand";
    }
    this.set(values);
  },
};
