// Small DOM helpers for the manager: building elements, running a command from a control and
// showing its error right beside that control, and inputs bound to room settings.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

let uid = 0;
export const newId = (prefix) => `${prefix}-${++uid}`;

// A row of controls with its own error line (role=status so screen readers hear it).
export function row(...children) {
  return h("div", { class: "row" }, ...children, h("output", { class: "error", role: "status" }));
}

export function field(label, input) {
  if (!input.id) input.id = newId("f");
  return h("div", { class: "field" }, h("label", { for: input.id, text: label }), input);
}

export function errorSlot(el) {
  return el.closest(".row, .card")?.querySelector(":scope > .error") || null;
}

export function showError(el, text) {
  const slot = errorSlot(el);
  if (slot) slot.textContent = text || "";
  el.toggleAttribute("aria-invalid", !!text);
}

// Runs `run()` (which returns an API reply) for the control `el`; the reply's error goes next to it.
export async function act(el, run) {
  showError(el, "");
  el.disabled = true;
  el.setAttribute("aria-busy", "true");
  let reply;
  try {
    reply = await run();
  } catch (err) {
    reply = { result: false, error: err.message || String(err) };
  } finally {
    el.disabled = false;
    el.removeAttribute("aria-busy");
  }
  if (reply && reply.result === false) showError(el, reply.error || "the room refused this");
  return reply || { result: true };
}

export function button(text, onclick, attrs = {}) {
  const b = h("button", { type: "button", ...attrs, text });
  b.addEventListener("click", () => onclick(b));
  return b;
}

export function card(title, ...children) {
  return h("section", { class: "card" }, h("h3", { text: title }), ...children, h("output", { class: "error", role: "status" }));
}

// A checkbox that shows a room setting and changes it; settingsChanged from anywhere updates it.
export function settingToggle(ctx, name, label) {
  const box = h("input", { type: "checkbox", dataset: { setting: name } });
  box.checked = !!ctx.settings.get(name);
  box.addEventListener("change", async () => {
    const wanted = box.checked;
    const reply = await act(box, () => ctx.api.call("setSettings", { settings: { [name]: wanted } }));
    if (!reply.result) box.checked = !!ctx.settings.get(name);
  });
  ctx.watchSetting(name, (value) => (box.checked = !!value));
  if (!box.id) box.id = newId("s");
  return row(h("label", { class: "toggle", for: box.id }, box, h("span", { text: label })));
}

// A text/number input with a Save button for one room setting.
export function settingInput(ctx, name, label, type = "text") {
  const input = h("input", { type, dataset: { setting: name } });
  input.value = ctx.settings.get(name) ?? "";
  ctx.watchSetting(name, (value) => (input.value = value));
  const save = button("Save", (b) =>
    act(b, () => ctx.api.call("setSettings", { settings: { [name]: type === "number" ? Number(input.value) : input.value } }))
  );
  return row(field(label, input), save);
}

export function clear(el, ...children) {
  el.replaceChildren(...children);
  return el;
}

export function timeText(seconds) {
  return seconds ? new Date(seconds * 1000).toLocaleString() : "";
}
