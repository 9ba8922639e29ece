// Screen: the main screen's background and logo (uploaded through /files/) and its widgets.

import { act, button, card, field, h, row, settingToggle, showError } from "../ui.js";

const WIDGETS = [
  ["showInfoWidgets", "Show information widgets"],
  ["showTime", "Clock"],
  ["showCurrentUserWidget", "Current user and status"],
  ["showUpcomingMeetings", "Upcoming meetings"],
  ["showInfoConnect", "Connection info (address, user PIN)"],
  ["showIncomingRequestWidget", "Requests to join"],
  ["showLogo", "Logo"],
];

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

function picker(id) {
  return h("input", { type: "file", id, accept: "image/png,image/jpeg,image/bmp,image/gif,image/webp" });
}

export default {
  id: "screen",
  title: "Screen",
  admin: true,

  build(ctx, el) {
    this.bgState = h("p", { class: "hint", id: "bg-state" });
    const bgFile = picker("bg-file");
    const bgSet = button("Upload and use", (b) =>
      act(b, async () => {
        if (!bgFile.files.length) return { result: false, error: "choose an image first" };
        return ctx.api.call("setBackground", { fileId: await upload(ctx, bgFile.files[0]) });
      }), { id: "bg-upload", class: "primary" }
    );
    const bgReset = button("Default background", (b) => act(b, () => ctx.api.call("setDefaultBackground")), { id: "bg-reset" });
    ctx.on("backgroundImageChanged", (msg) => this.showBackground(msg));

    this.logoState = h("p", { class: "hint", id: "logo-state" });
    const logoFile = picker("logo-file");
    const mode = h("select", { id: "logo-mode" }, h("option", { value: "0", text: "Fit into 440×82, lower left" }), h("option", { value: "1", text: "Original size" }));
    const logoSet = button("Upload and use", (b) =>
      act(b, async () => {
        if (!logoFile.files.length) return { result: false, error: "choose an image first" };
        return ctx.api.call("setLogo", { fileId: await upload(ctx, logoFile.files[0]), mode: Number(mode.value) });
      }), { id: "logo-upload", class: "primary" }
    );
    const logoReset = button("Default logo", (b) => act(b, () => ctx.api.call("setDefaultLogo")), { id: "logo-reset" });
    ctx.on("logoImageChanged", (msg) => this.showLogo(msg));

    el.append(
      card("Background", this.bgState, row(field("Image", bgFile), bgSet, bgReset)),
      card("Logo", this.logoState, row(field("Image", logoFile), field("Placement", mode), logoSet, logoReset)),
      card("Widgets on the main screen", ...WIDGETS.map(([name, label]) => settingToggle(ctx, name, label))),
      card("Main screen page", h("p", { class: "hint", text: "Open /screen on the room PC in a kiosk browser (see docs/kiosk.md)." }), settingToggle(ctx, "allowRemoteScreen", "Allow the main screen page from other computers"))
    );
    this.bgFile = bgFile;
  },

  showBackground(info) {
    this.bgState.textContent = info.isCustomImage ? `Custom image in use (file ${info.fileId}).` : "Default background in use.";
  },

  showLogo(info) {
    this.logoState.textContent = info.isCustomImage ? `Custom logo in use (file ${info.fileId}, placement ${info.mode}).` : "Default logo in use.";
  },

  async load(ctx) {
    const [bg, logo] = await Promise.all(["getBackground", "getLogo"].map((m) => ctx.api.call(m)));
    if (bg.result) this.showBackground(bg);
    else this.bgState.textContent = bg.error;
    if (logo.result) this.showLogo(logo);
    else this.logoState.textContent = logo.error;
    showError(this.bgFile, "");
  },
};
