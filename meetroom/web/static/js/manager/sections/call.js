// Call: dial, incoming call, hang up, mutes, layout, address book with presence, chat.

import { act, button, card, clear, field, h, row, settingToggle, showError } from "../ui.js";
import { CallStatus } from "./callstatus.js";
import { InMeeting } from "./inmeeting.js";

const LAYOUTS = [
  "Single window",
  "All equal",
  "One large top-left",
  "One large top-centre",
  "One large on the left",
  "One large top, small ones overlapping",
];
const PRESENCE = { "-1": "unknown", 0: "offline", 1: "available", 2: "busy", 5: "in a conference" };

function muteToggle(ctx, label, setter, getter, event) {
  const box = h("input", { type: "checkbox", id: `mute-${setter}` });
  box.addEventListener("change", async () => {
    const reply = await act(box, () => ctx.api.call(setter, { mute: box.checked }));
    if (!reply.result) box.checked = !box.checked;
  });
  ctx.on(event, (msg) => (box.checked = !!msg.mute));
  const r = row(h("label", { class: "toggle", for: box.id }, box, h("span", { text: label })));
  r.load = async () => {
    const reply = await ctx.api.call(getter);
    if (reply.result) box.checked = !!reply.mute;
    else showError(box, reply.error);
  };
  return r;
}

// The Files section sends it: open it with this contact as the receiver.
function sendFileTo(peerId) {
  location.hash = "#files";
  const peer = document.getElementById("ft-peer");
  if (peer) peer.value = peerId;
  document.getElementById("ft-file")?.focus();
}

export default {
  id: "call",
  title: "Call",
  admin: false,

  build(ctx, el) {
    const peer = h("input", { type: "text", id: "dial-peer", placeholder: "user or user@server", autocomplete: "off" });
    const dial = button("Call", (b) => act(b, () => ctx.api.call("call", { peerId: peer.value.trim() })), { id: "dial" });
    peer.addEventListener("keydown", (e) => e.key === "Enter" && dial.click());
    const hang = button("Hang up", (b) => act(b, () => ctx.api.call("hangUp", {})), { id: "hangup", class: "danger" });

    this.status = new CallStatus(ctx, (state) => (hang.hidden = state !== 4 && state !== 5));
    this.incoming = h("div", { class: "incoming", hidden: true, role: "alert" });
    ctx.on("inviteReceived", (msg) => this.showIncoming(ctx, msg));
    for (const name of ["stopCalling", "rejectSent", "rejectReceived", "conferenceCreated"]) ctx.on(name, () => (this.incoming.hidden = true));

    this.mutes = [
      muteToggle(ctx, "Microphone muted", "setMicMute", "getMicMute", "audioCapturerMute"),
      muteToggle(ctx, "Camera muted", "setVideoMute", "getVideoMute", "videoCapturerMute"),
      muteToggle(ctx, "Speaker muted", "setAudioMute", "getAudioMute", "audioRendererMute"),
    ];

    this.layout = h("select", { id: "layout" }, ...LAYOUTS.map((t, i) => h("option", { value: String(i), text: `${i} — ${t}` })));
    this.layout.addEventListener("change", () => act(this.layout, () => ctx.api.call("changeVideoMatrixType", { matrixType: Number(this.layout.value) })));
    ctx.on("videoMatrixChanged", (msg) => (this.layout.value = String(msg.matrixType)));

    this.abook = h("ul", { class: "abook", id: "abook" });
    this.groups = h("select", { id: "abook-group" }, h("option", { value: "", text: "All contacts" }));
    this.groups.addEventListener("change", () => this.renderAbook(ctx));
    this.contacts = new Map();
    ctx.on("abReceivedAfterLogin", async (msg) => {
      this.setAbook(ctx, msg.abook);
      this.setGroups(await ctx.api.call("getGroups"));
      this.renderAbook(ctx);
    });
    ctx.on("usersStatusesChanged", (msg) => {
      for (const u of msg.usersStatuses || []) this.contacts.set(u.peerId, { ...(this.contacts.get(u.peerId) || {}), ...u });
      this.renderAbook(ctx);
    });

    this.chatPeer = h("input", { type: "text", id: "chat-peer", placeholder: "user or user@server" });
    this.chatText = h("input", { type: "text", id: "chat-text", placeholder: "Message" });
    const send = button("Send", (b) =>
      act(b, async () => {
        const reply = await ctx.api.call("sendMessage", { peerId: this.chatPeer.value.trim(), message: this.chatText.value });
        if (reply.result) this.chatText.value = "";
        return reply;
      }), { id: "chat-send" }
    );
    this.chatText.addEventListener("keydown", (e) => e.key === "Enter" && send.click());
    this.chatLog = h("ol", { class: "chat", "aria-live": "polite" });
    ctx.on("incomingChatMessage", (msg) => this.addChat(msg.peerId, msg.message, "in"));
    ctx.on("chatMessageSent", (msg) => this.addChat(msg.peerId, msg.message, "out"));

    this.meeting = new InMeeting(ctx); // far camera, dial pad, recording
    el.append(
      card("Current call", this.status.el, row(hang), this.incoming),
      ...this.meeting.cards,
      card("Dial", row(field("TrueConf ID", peer), dial)),
      card("Microphone, camera, speaker", ...this.mutes),
      card("Layout", row(field("Video layout", this.layout))),
      card("Address book", row(field("Group", this.groups)), this.abook),
      card("Chat", row(field("To", this.chatPeer), field("Message", this.chatText), send), this.chatLog),
      card("Answering", settingToggle(ctx, "autoAccept", "Answer incoming calls automatically"), settingToggle(ctx, "rejectCallsNotFromAB", "Reject calls from people not in the address book"))
    );
  },

  showIncoming(ctx, msg) {
    const who = msg.peerDn || msg.peerId;
    const text = msg.confTitle ? `Invitation to “${msg.confTitle}” from ${who}` : `Incoming call from ${who}`;
    clear(
      this.incoming,
      row(
        h("span", { class: "incoming-text", text }),
        button("Accept", (b) => act(b, () => ctx.api.call("accept")).then((r) => r.result && (this.incoming.hidden = true)), { class: "primary", id: "accept-call" }),
        button("Reject", (b) => act(b, () => ctx.api.call("reject")).then((r) => r.result && (this.incoming.hidden = true)), { class: "danger", id: "reject-call" })
      )
    );
    this.incoming.hidden = false;
  },

  setAbook(ctx, list) {
    this.contacts = new Map((list || []).map((c) => [c.peerId, c]));
    this.renderAbook(ctx);
  },

  renderAbook(ctx) {
    const group = this.groups.value;
    const members = group ? new Set(this.groupMembers?.get(group) || []) : null;
    const items = [...this.contacts.values()].filter((c) => !members || members.has(c.peerId));
    if (!items.length) {
      clear(this.abook, h("li", { class: "hint", text: this.abookError || "No contacts." }));
      return;
    }
    clear(
      this.abook,
      ...items.map((c) =>
        row(
          h("span", { class: `presence s${c.status}`, title: PRESENCE[c.status] || "" }),
          h("span", { class: "contact", text: `${c.peerDn || c.peerId} (${PRESENCE[c.status] || "unknown"})` }),
          button("Call", (b) => act(b, () => ctx.api.call("call", { peerId: c.peerId }))),
          button("Chat", () => {
            this.chatPeer.value = c.peerId;
            this.chatText.focus();
          }),
          button("Send file", () => sendFileTo(c.peerId), { class: "send-file" })
        )
      )
    );
  },

  addChat(peerId, message, dir) {
    this.chatLog.append(h("li", { class: dir }, h("strong", { text: dir === "in" ? peerId : `to ${peerId}` }), " ", message));
  },

  async load(ctx) {
    await Promise.all([...this.mutes.map((m) => m.load()), this.status.refresh(), this.meeting.load()]);
    const [layout, abook, groups] = await Promise.all(["getVideoMatrix", "getAbook", "getGroups"].map((m) => ctx.api.call(m)));
    if (layout.result) this.layout.value = String(layout.matrixType);
    else showError(this.layout, layout.error);
    this.abookError = abook.result ? "" : abook.error;
    this.setAbook(ctx, abook.result ? abook.abook : []);
    this.setGroups(groups);
  },

  setGroups(reply) {
    if (!reply.result || !Array.isArray(reply.groups)) return;
    this.groupMembers = new Map();
    const chosen = this.groups.value;
    clear(this.groups, h("option", { value: "", text: "All contacts" }));
    for (const g of reply.groups) {
      const id = String(g.groupId ?? g.name);
      this.groupMembers.set(id, (g.users || []).map((u) => u.peerId));
      this.groups.append(h("option", { value: id, text: g.name || id }));
    }
    this.groups.value = this.groupMembers.has(chosen) ? chosen : "";
  },
};
