// Server and account: which conferencing server the room uses and which account it logs in with.

import { act, button, card, field, h, row, settingInput, settingToggle } from "../ui.js";

export default {
  id: "server",
  title: "Server & account",
  admin: true,

  build(ctx, el) {
    this.state = h("p", { class: "hint", id: "server-state" });
    const server = h("input", { type: "text", id: "server-host", placeholder: "server address" });
    const port = h("input", { type: "number", id: "server-port", value: "4307", min: "1", max: "65535" });
    const connect = button("Connect", (b) =>
      act(b, () => ctx.api.call("connectToServer", { server: server.value.trim(), ...(port.value ? { port: Number(port.value) } : {}) })), { id: "server-connect", class: "primary" }
    );
    ctx.on("serverConnected", (m) => (this.state.textContent = `Connected to ${m.server}:${m.port}.`));
    ctx.on("serverDisconnected", (m) => (this.state.textContent = `Disconnected from ${m.server || "the server"}.`));

    this.account = h("p", { class: "hint", id: "account-state" });
    const login = h("input", { type: "text", id: "account-login", autocomplete: "username" });
    const password = h("input", { type: "password", id: "account-password", autocomplete: "current-password" });
    const signIn = button("Log in", (b) =>
      act(b, async () => {
        const reply = await ctx.api.call("login", { login: login.value.trim(), password: password.value });
        if (reply.result) password.value = "";
        return reply;
      }), { id: "account-login-btn", class: "primary" }
    );
    const signOut = button("Log out", (b) => act(b, () => ctx.api.call("logout")), { id: "account-logout" });
    ctx.on("login", (m) => (this.account.textContent = m.peerId ? `Logged in as ${m.peerDn || ""} (${m.peerId}).` : `Login result ${m.result}.`));
    ctx.on("logout", () => (this.account.textContent = "Not logged in."));

    el.append(
      card("Conferencing server", this.state, row(field("Server", server), field("Port", port), connect)),
      card(
        "Account",
        this.account,
        row(field("Login", login), field("Password", password), signIn, signOut),
        settingToggle(ctx, "enableAutologin", "Remember the account and log in automatically")
      ),
      card("Room", settingInput(ctx, "displayName", "Room name shown on the screen"))
    );
  },

  async load(ctx) {
    const [conn, login] = await Promise.all(["getConnected", "getLogin"].map((m) => ctx.api.call(m)));
    if (conn.result) {
      const names = ["Not connected.", "Connecting…", "Connected."];
      this.state.textContent = conn.serverInfo ? `${names[conn.state]} Server ${conn.serverInfo.server}:${conn.serverInfo.port}.` : names[conn.state] || "";
    } else this.state.textContent = conn.error;
    if (login.result) this.account.textContent = login.isLoggedIn ? `Logged in as ${login.peerDn || ""} (${login.peerId}).` : "Not logged in.";
    else this.account.textContent = login.error;
  },
};
