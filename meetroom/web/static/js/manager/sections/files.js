// Files: send a file to another room or person, answer incoming files, the transfer history.

import { act, button, card, clear, field, h, row } from "../ui.js";

const STATUS = { 0: "failed", 1: "waiting for an answer", 2: "transferring", 3: "done" };

// POST the file to the built-in HTTP server; the room answers with its id in the FileId header.
async function upload(ctx, file) {
  const token = await ctx.httpToken();
  const form = new FormData();
  form.append("file", file, file.name);
  const resp = await fetch(`/files/?token=${encodeURIComponent(token)}`, { method: "POST", body: form });
  if (!resp.ok) throw new Error(`upload refused: HTTP ${resp.status} ${(await resp.text()).trim()}`);
  const id = Number(resp.headers.get("FileId"));
  if (!Number.isFinite(id)) throw new Error("the room gave no FileId for the upload");
  return id;
}

function sizeText(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} B`;
}

function stateText(r) {
  const state = r.outcome || STATUS[r.status] || "";
  return r.error ? `${state}: ${r.error}` : state;
}

export default {
  id: "files",
  title: "Files",
  admin: false,

  build(ctx, el) {
    this.file = h("input", { type: "file", id: "ft-file" });
    this.peer = h("input", { type: "text", id: "ft-peer", placeholder: "user or user@server", autocomplete: "off" });
    const send = button("Send", (b) =>
      act(b, async () => {
        if (!this.file.files.length) return { result: false, error: "choose a file first" };
        const peer = this.peer.value.trim();
        if (!peer) return { result: false, error: "enter whom to send it to" };
        return ctx.api.call("sendFile", { fileId: await upload(ctx, this.file.files[0]), callId: peer });
      }), { id: "ft-send", class: "primary" }
    );
    this.availability = h("p", { class: "hint", id: "ft-availability" });
    this.outgoing = h("ul", { class: "transfers", id: "ft-outgoing", "aria-live": "polite" });
    this.incoming = h("ul", { class: "transfers", id: "ft-incoming", "aria-live": "polite" });
    this.history = h("ul", { class: "transfers", id: "ft-history" });
    const clearHistory = button("Clear history", (b) => act(b, () => ctx.api.call("clearFileTransferHistory")), { id: "ft-clear" });

    const refresh = () => this.refresh(ctx);
    for (const name of ["receivedFileRequest", "fileRequestStatusChanged", "fileTransferHistoryCleared", "fileDeletedFromFileTransferHistory"]) ctx.on(name, refresh);
    ctx.on("fileTransferAvailabilityChanged", (msg) => this.showAvailability(msg.availability));

    el.append(
      card("Send a file", this.availability, row(field("File", this.file), field("To (TrueConf ID)", this.peer), send), this.outgoing),
      card("Incoming files", this.incoming),
      card("Transfer history", this.history, row(clearHistory))
    );
  },

  showAvailability(value) {
    const texts = { 0: "The server offers no file upload: files cannot be sent.", 2: "Files can be sent once the room is logged in.", 3: "" };
    this.availability.textContent = texts[value] ?? "";
  },

  entry(r, ...actions) {
    const who = r.peerDn || r.peerId || r.confId || "";
    return h(
      "li",
      { class: "row", dataset: { request: r.fileRequestId, status: String(r.status) } },
      h("span", { class: "transfer-name", text: r.fileName }),
      " ",
      h("span", { class: "hint transfer-state", text: `${sizeText(r.size ?? r.fileSize ?? 0)} · ${who} · ${stateText(r)}` }),
      ...actions,
      h("output", { class: "error", role: "status" })
    );
  },

  async refresh(ctx) {
    const [incoming, outgoing, history] = await Promise.all(
      ["getIncomingFilesRequests", "getOutgoingFilesRequests", "getFileTransferHistory"].map((m) => ctx.api.call(m))
    );
    const answer = (method, r, label, cls) =>
      button(label, (b) => act(b, () => ctx.api.call(method, { fileRequestId: r.fileRequestId })), { class: cls });
    clear(
      this.incoming,
      ...(incoming.incomingFilesRequests || []).map((r) =>
        r.status === 1
          ? this.entry(r, answer("acceptIncomingFileRequest", r, "Accept", "primary"), answer("rejectIncomingFileRequest", r, "Reject", "danger"))
          : this.entry(r, r.status === 2 ? answer("rejectIncomingFileRequest", r, "Stop", "danger") : null)
      )
    );
    if (!this.incoming.children.length) this.incoming.append(h("li", { class: "hint", text: "No incoming files." }));
    clear(this.outgoing, ...(outgoing.outgoingFilesRequests || []).filter((r) => r.status !== 3 || r.outcome !== "sent").map((r) => this.entry(r)));
    clear(
      this.history,
      ...(history.filesRequests || []).map((r) =>
        this.entry(
          { ...r, status: 3, outcome: r.directionType === 0 ? "received" : "sent" },
          r.directionType === 0 ? h("a", { href: "#", class: "ft-open", text: "Open", onclick: (e) => this.open(ctx, e, r.fileId) }) : null
        )
      )
    );
    if (!this.history.children.length) this.history.append(h("li", { class: "hint", text: "No files sent or received yet." }));
  },

  async open(ctx, event, fileId) {
    event.preventDefault();
    const token = await ctx.httpToken();
    window.open(`/files/${fileId}?token=${encodeURIComponent(token)}`, "_blank", "noopener");
  },

  async load(ctx) {
    const availability = await ctx.api.call("getFileTransferAvailability");
    if (availability.result) this.showAvailability(availability.availability);
    await this.refresh(ctx);
  },
};
