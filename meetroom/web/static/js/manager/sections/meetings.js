// Meetings: create a conference, act on its participants, and its group chat.

import { act, button, card, clear, field, h, row } from "../ui.js";

const TYPES = [
  ["symmetric", "All on screen"],
  ["asymmetric", "Video lecture"],
  ["role", "Role-based"],
];

export default {
  id: "meetings",
  title: "Meetings",
  admin: false,

  build(ctx, el) {
    const title = h("input", { type: "text", id: "conf-title", placeholder: "Weekly sync" });
    const type = h("select", { id: "conf-type" }, ...TYPES.map(([v, t]) => h("option", { value: v, text: t })));
    const invite = h("input", { type: "text", id: "conf-invite", placeholder: "alice, bob@server" });
    const auto = h("input", { type: "checkbox", id: "conf-auto", checked: true });
    const create = button("Create conference", (b) =>
      act(b, () =>
        ctx.api.call("createConference", {
          title: title.value.trim(),
          confType: type.value,
          autoAccept: auto.checked,
          inviteList: invite.value.split(",").map((s) => s.trim()).filter(Boolean),
        })
      ), { id: "conf-create", class: "primary" }
    );
    this.people = h("ul", { class: "people", id: "participants" });
    this.participants = new Map();
    ctx.on("newParticipantInConference", (msg) => {
      this.participants.set(msg.peerId, msg);
      this.render(ctx);
    });
    ctx.on("participantLeftConference", (msg) => {
      this.participants.delete(msg.peerId);
      this.render(ctx);
    });
    ctx.on("conferenceDeleted", () => {
      this.participants.clear();
      this.render(ctx);
    });

    const text = h("input", { type: "text", id: "group-text", placeholder: "Message to everyone" });
    const send = button("Send", (b) => act(b, () => ctx.api.call("sendGroupMessage", { message: text.value })).then((r) => r.result && (text.value = "")));
    this.chat = h("ol", { class: "chat", "aria-live": "polite" });
    ctx.on("incomingGroupChatMessage", (msg) => this.chat.append(h("li", {}, h("strong", { text: msg.peerId }), " ", msg.message)));

    el.append(
      card(
        "New conference",
        row(field("Title", title), field("Type", type)),
        row(field("Invite (comma-separated IDs)", invite), h("label", { class: "toggle", for: auto.id }, auto, h("span", { text: "Let invited people in without approval" }))),
        row(create)
      ),
      card("Participants", this.people),
      card("Group chat", row(field("Message", text), send), this.chat)
    );
  },

  render(ctx) {
    if (!this.participants.size) {
      clear(this.people, h("li", { class: "hint", text: this.error || "No conference running." }));
      return;
    }
    clear(
      this.people,
      ...[...this.participants.values()].map((p) =>
        row(
          h("span", { class: "contact", text: `${p.peerDn || p.peerId}${p.role ? ` (role ${p.role})` : ""}` }),
          button("Remove", (b) => act(b, () => ctx.api.call("kickPeer", { peerId: p.peerId }))),
          button("Invite to podium", (b) => act(b, () => ctx.api.call("inviteToPodium", { peerId: p.peerId }))),
          button("Off podium", (b) => act(b, () => ctx.api.call("kickFromPodium", { peerId: p.peerId }))),
          button("Make moderator", (b) => act(b, () => ctx.api.call("setModeratorRole", { peerId: p.peerId, moderator: true })))
        )
      )
    );
  },

  async load(ctx) {
    const reply = await ctx.api.call("getConferenceParticipants");
    this.error = reply.result ? "" : reply.error;
    this.participants = new Map((reply.participants || []).map((p) => [p.peerId, p]));
    this.render(ctx);
  },
};
