// Meetings: create a conference (invitees from the address book), the live participant list with
// roles and mute state, the actions this room's role allows, the waiting room, group chat, and
// leaving or ending the conference. Every change arrives as a notification; the participant list
// is then read again with getConferenceParticipants so it always matches the room.

import { act, button, card, clear, field, h, row } from "../ui.js";

const TYPES = [
  ["symmetric", "All on screen"],
  ["asymmetric", "Video lecture"],
  ["role", "Role-based (podium)"],
];
const TYPE_NAMES = { 1: "All on screen", 2: "Video lecture", 3: "Role-based" };
const REFRESH_ON = [
  "conferenceCreated",
  "newParticipantInConference",
  "participantLeftConference",
  "roleEventOccured",
  "deviceStatusReceived",
  "micStateChangedByConferenceOwner",
  "cameraStateChangedByConferenceOwner",
  "waitingRoomStateChanged",
];

const deviceText = (state) => (state === 2 ? "on" : state === 1 ? "muted" : "none");

export default {
  id: "meetings",
  title: "Meetings",
  admin: false,

  build(ctx, el) {
    this.ctx = ctx;
    const title = h("input", { type: "text", id: "conf-title", placeholder: "Weekly sync" });
    const type = h("select", { id: "conf-type" }, ...TYPES.map(([v, t]) => h("option", { value: v, text: t })));
    const invite = h("input", { type: "text", id: "conf-invite", placeholder: "alice, bob@server" });
    const auto = h("input", { type: "checkbox", id: "conf-auto", checked: true });
    this.contacts = h("ul", { class: "people", id: "conf-contacts" });
    const create = button("Create conference", (b) =>
      act(b, () => {
        const typed = invite.value.split(",").map((s) => s.trim()).filter(Boolean);
        const picked = [...this.contacts.querySelectorAll("input:checked")].map((c) => c.value);
        return ctx.api.call("createConference", {
          title: title.value.trim(),
          confType: type.value,
          autoAccept: auto.checked,
          inviteList: [...new Set([...picked, ...typed])],
        });
      }), { id: "conf-create", class: "primary" }
    );

    this.summary = h("p", { id: "conf-summary", class: "hint", text: "No conference running." });
    this.leave = button("Leave", (b) => act(b, () => ctx.api.call("hangUp", { forAll: false })), { id: "conf-leave" });
    this.end = button("End for everyone", (b) => act(b, () => ctx.api.call("hangUp", { forAll: true })), { id: "conf-end", class: "danger" });
    this.invitePeer = h("input", { type: "text", id: "conf-add", placeholder: "user or user@server" });
    const add = button("Invite", (b) => act(b, () => ctx.api.call("inviteToConference", { peerId: this.invitePeer.value.trim() })), { id: "conf-add-btn" });
    this.waitingToggle = h("input", { type: "checkbox", id: "conf-waiting" });
    this.waitingToggle.addEventListener("change", async () => {
      const wanted = this.waitingToggle.checked;
      const reply = await act(this.waitingToggle, () => ctx.api.call("setWaitingRoomState", { enable: wanted }));
      if (!reply.result) this.waitingToggle.checked = !wanted;
    });
    this.controls = h(
      "div",
      { hidden: true },
      row(this.leave, this.end),
      row(field("Invite someone else", this.invitePeer), add),
      row(h("label", { class: "toggle", for: this.waitingToggle.id }, this.waitingToggle, h("span", { text: "Waiting room (new people need approval)" })))
    );
    this.podium = h("div", { id: "conf-podium", hidden: true });

    this.people = h("ul", { class: "people", id: "participants" });
    this.waiting = h("ul", { class: "people", id: "conf-waiting-list" });
    this.requests = new Map();
    ctx.on("requestInviteReceived", (msg) => {
      this.requests.set(msg.peerId, msg);
      this.renderWaiting();
    });
    ctx.on("participantPresenceInWaitingRoomChanged", (msg) => {
      if (!msg.isInWaitingRoom) this.requests.delete(msg.callId);
      this.renderWaiting();
    });
    for (const name of REFRESH_ON) ctx.on(name, () => this.load(ctx));
    ctx.on("conferenceDeleted", () => {
      this.conf = null;
      this.list = [];
      this.requests.clear();
      this.render();
      this.renderWaiting();
    });
    ctx.on("roleEventOccured", (msg) => this.podiumEvent(msg));
    ctx.on("abReceivedAfterLogin", (msg) => this.setContacts(msg.abook));

    const text = h("input", { type: "text", id: "group-text", placeholder: "Message to everyone" });
    const send = button("Send", (b) =>
      act(b, () => ctx.api.call("sendGroupMessage", { message: text.value })).then((r) => r.result && (text.value = "")), { id: "group-send" }
    );
    text.addEventListener("keydown", (e) => e.key === "Enter" && send.click());
    this.chat = h("ol", { class: "chat", id: "group-chat", "aria-live": "polite" });
    ctx.on("incomingGroupChatMessage", (msg) => this.chat.append(h("li", { class: "in" }, h("strong", { text: msg.peerDn || msg.peerId }), " ", msg.message)));
    ctx.on("groupChatMessageSent", (msg) => this.chat.append(h("li", { class: "out" }, h("strong", { text: "This room" }), " ", msg.message)));

    el.append(
      card(
        "New conference",
        row(field("Title", title), field("Type", type)),
        h("p", { class: "hint", text: "Invite from the address book, or type IDs below." }),
        this.contacts,
        row(field("Invite (comma-separated IDs)", invite), h("label", { class: "toggle", for: auto.id }, auto, h("span", { text: "Let invited people in without approval" }))),
        row(create)
      ),
      card("Current conference", this.summary, this.controls, this.podium),
      card("Participants", this.people),
      card("Waiting room", this.waiting),
      card("Group chat", row(field("Message", text), send), this.chat)
    );
    this.render();
    this.renderWaiting();
  },

  setContacts(list) {
    clear(
      this.contacts,
      ...(list || []).map((c) => {
        const box = h("input", { type: "checkbox", value: c.peerId, id: `invite-${c.peerId}` });
        return h("li", {}, h("label", { class: "toggle", for: box.id }, box, h("span", { text: c.peerDn || c.peerId })));
      })
    );
  },

  me() {
    return (this.list || [])[0] || null; // getConferenceParticipants lists this room first
  },

  render() {
    const conf = this.conf;
    this.controls.hidden = !conf;
    if (!conf) {
      this.summary.textContent = "No conference running.";
      clear(this.people, h("li", { class: "hint", text: "No conference running." }));
      this.podium.hidden = true;
      return;
    }
    const me = this.me();
    const owner = me && me.leaderType === 2;
    const moderator = me && me.leaderType >= 1;
    this.summary.textContent = `“${conf.confTitle}” — ${TYPE_NAMES[conf.confType] || "conference"}, ${this.list.length} present${owner ? ", this room is the owner" : moderator ? ", this room is a moderator" : ""}`;
    this.end.hidden = !moderator;
    this.waitingToggle.checked = !!conf.isWaitingRoomEnabled;
    this.waitingToggle.closest(".row").hidden = !moderator;
    const roleBased = conf.confType === 3;
    this.podium.hidden = !roleBased;
    if (roleBased) {
      clear(
        this.podium,
        row(
          button("Ask for the podium", (b) => act(b, () => this.ctx.api.call("gotoPodium")), { id: "podium-goto" }),
          button("Leave the podium", (b) => act(b, () => this.ctx.api.call("leavePodium")), { id: "podium-leave" })
        )
      );
    }
    clear(this.people, ...this.list.map((p, i) => this.person(p, i === 0, moderator, owner, roleBased)));
  },

  person(p, self, moderator, owner, roleBased) {
    const api = this.ctx.api;
    const ranks = [p.leaderType === 2 ? "owner" : p.leaderType === 1 ? "moderator" : "", roleBased && p.broadcast ? "on the podium" : ""].filter(Boolean);
    const label = `${p.peerDn || p.peerId}${self ? " (this room)" : ""}${ranks.length ? ` — ${ranks.join(", ")}` : ""}`;
    const state = h("span", { class: "hint", text: `mic ${deviceText(p.mic)}, camera ${deviceText(p.video)}` });
    const actions = [];
    if (!self && moderator && p.leaderType !== 2) {
      actions.push(
        button("Remove", (b) => act(b, () => api.call("kickPeer", { peerId: p.peerId })), { dataset: { action: "kick" } }),
        button(p.mic === 1 ? "Unmute mic" : "Mute mic", (b) => act(b, () => api.call("turnRemoteMic", { peerId: p.peerId, on: p.mic === 1 })), { dataset: { action: "mic" } }),
        button(p.video === 1 ? "Camera on" : "Camera off", (b) => act(b, () => api.call("turnRemoteCamera", { peerId: p.peerId, on: p.video === 1 })), { dataset: { action: "camera" } })
      );
      if (roleBased) {
        actions.push(
          p.broadcast
            ? button("Off podium", (b) => act(b, () => api.call("kickFromPodium", { peerId: p.peerId })), { dataset: { action: "podium-off" } })
            : button("Invite to podium", (b) => act(b, () => api.call("inviteToPodium", { peerId: p.peerId })), { dataset: { action: "podium-invite" } })
        );
        if (this.podiumRequests?.has(p.peerId)) {
          actions.push(
            button("Allow podium", (b) => act(b, () => api.call("acceptRequestToPodium", { peerId: p.peerId })), { dataset: { action: "podium-allow" } }),
            button("Refuse podium", (b) => act(b, () => api.call("rejectRequestToPodium", { peerId: p.peerId })), { dataset: { action: "podium-refuse" } })
          );
        }
      }
    }
    if (!self && owner && p.leaderType !== 2) {
      const isModerator = p.leaderType === 1;
      actions.push(
        button(isModerator ? "Remove moderator" : "Make moderator", (b) => act(b, () => api.call("setModeratorRole", { peerId: p.peerId, moderator: !isModerator })), { dataset: { action: "moderator" } })
      );
    }
    return h("li", { dataset: { peer: p.peerId } }, row(h("span", { class: "contact", text: label }), state, ...actions));
  },

  podiumEvent(msg) {
    this.podiumRequests ||= new Set();
    if (msg.role === 3 && msg.type === 0) this.podiumRequests.add(msg.peerId);
    else this.podiumRequests.delete(msg.peerId);
    const me = this.me();
    if (me && msg.peerId === me.peerId && msg.role === 4 && msg.type === 0) this.showPodiumInvitation();
    this.render();
  },

  showPodiumInvitation() {
    const api = this.ctx.api;
    const box = h(
      "div",
      { class: "incoming", role: "alert", id: "podium-invitation" },
      row(
        h("span", { class: "incoming-text", text: "You are invited to the podium" }),
        button("Accept", (b) => act(b, () => api.call("acceptInvitationToPodium")).then(() => box.remove()), { class: "primary" }),
        button("Decline", (b) => act(b, () => api.call("rejectInvitationToPodium")).then(() => box.remove()), { class: "danger" })
      )
    );
    this.summary.after(box);
  },

  renderWaiting() {
    if (!this.requests.size) {
      clear(this.waiting, h("li", { class: "hint", text: "Nobody is waiting." }));
      return;
    }
    const api = this.ctx.api;
    clear(
      this.waiting,
      ...[...this.requests.values()].map((r) =>
        h(
          "li",
          { dataset: { peer: r.peerId } },
          row(
            h("span", { class: "contact", text: r.peerDn || r.peerId }),
            button("Admit", (b) => act(b, () => api.call("acceptPeer", { peerId: r.peerId })), { class: "primary", dataset: { action: "admit" } }),
            button("Refuse", (b) => act(b, () => api.call("rejectPeer", { peerId: r.peerId })), { class: "danger", dataset: { action: "refuse" } })
          )
        )
      )
    );
  },

  async load(ctx) {
    if (!this.contacts.childElementCount) {
      const abook = await ctx.api.call("getAbook");
      if (abook.result) this.setContacts(abook.abook);
    }
    const [conf, people] = await Promise.all([ctx.api.call("getConferences"), ctx.api.call("getConferenceParticipants")]);
    const group = conf.result && people.result && conf.type !== "p2p";
    this.conf = group ? conf : null;
    this.list = group ? people.participants : [];
    this.render();
  },
};
