// The playground page: every click becomes one call to the playground's API, which sends the bot a signed
// request as Slack or Teams would; then the page redraws what the person now sees. No build step, no library.
"use strict";

const app = document.getElementById("app");
const person = () => app.dataset.person;

async function refresh() {
  const response = await fetch("/fragment?as=" + encodeURIComponent(person()));
  app.innerHTML = await response.text();
  const chat = document.getElementById("slack-chat");
  if (chat) chat.scrollTop = chat.scrollHeight;
  const teams = document.getElementById("teams-chat");
  if (teams) teams.scrollTop = teams.scrollHeight;
}

async function call(path, body) {
  document.body.classList.add("busy");
  try {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ user: person(), ...body }),
    });
    const answer = await response.json().catch(() => ({}));
    await refresh();
    if (!response.ok) showProblem(answer.detail || response.statusText);
    return answer;
  } finally {
    document.body.classList.remove("busy");
  }
}

function showProblem(text) {
  const box = document.getElementById("problem");
  if (!box) return;
  box.textContent = typeof text === "string" ? text : JSON.stringify(text);
  box.hidden = false;
}

// Where a Block Kit element sits: a message (by ts), the App Home, or a modal (by view id).
function surfaceOf(element) {
  const holder = element.closest("[data-surface]");
  if (!holder) return null;
  const surface = { surface: holder.dataset.surface };
  if (holder.dataset.ts) surface.ts = holder.dataset.ts;
  if (holder.dataset.view) surface.view_id = holder.dataset.view;
  if (surface.surface === "modal") surface.values = modalValues(holder);
  return surface;
}

// A modal's inputs by block_id, as Slack puts them in view.state: strings, one option's value, or lists.
function modalValues(form) {
  const values = {};
  form.querySelectorAll(".bk-input[data-block-id]").forEach((block) => {
    const kind = block.dataset.kind;
    const id = block.dataset.blockId;
    if (kind === "radio_buttons") {
      const checked = block.querySelector("input:checked");
      values[id] = checked ? checked.value : "";
    } else if (kind === "checkboxes") {
      values[id] = [...block.querySelectorAll("input:checked")].map((box) => box.value);
    } else if (kind.startsWith("multi_")) {
      values[id] = [...block.querySelector("select").selectedOptions].map((option) => option.value);
    } else {
      const field = block.querySelector("input, textarea, select");
      values[id] = field ? field.value : "";
    }
  });
  return values;
}

// An Adaptive Card's inputs by id, as Teams merges them into the data of the button pressed.
function cardInputs(card) {
  const inputs = {};
  card.querySelectorAll(".ac-input[data-input-id]").forEach((input) => {
    const kind = input.dataset.kind;
    const id = input.dataset.inputId;
    if (kind === "Input.Toggle") {
      const box = input.querySelector("input");
      inputs[id] = box.checked ? box.dataset.on : box.dataset.off;
    } else if (input.querySelector(".ac-choices")) {
      inputs[id] = [...input.querySelectorAll("input:checked")].map((box) => box.value).join(",");
    } else {
      const field = input.querySelector("input, textarea, select");
      inputs[id] = field ? field.value : "";
    }
  });
  return inputs;
}

document.addEventListener("click", async (event) => {
  const target = event.target.closest("button, [data-copy]");
  if (!target) return;
  if (target.dataset.act === "button") {
    const where = surfaceOf(target);
    await call("/api/action", { ...where, action_id: target.dataset.action, block_id: target.dataset.block || null,
      value: target.dataset.value ?? null });
  } else if (target.dataset.act === "teams-submit") {
    const card = target.closest(".ac-card");
    await call("/api/teams/press", { data: JSON.parse(target.dataset.data), index: Number(card.dataset.index),
      inputs: cardInputs(card), dialog: card.dataset.where === "dialog" });
  } else if (target.dataset.move) {
    await call("/api/clock", { move: target.dataset.move });
  } else if (target.id === "replay") {
    await call("/api/replay", {});
  } else if (target.id === "open-home") {
    await call("/api/home", {});
  } else if (target.id === "teams-install") {
    await call("/api/teams/install", {});
  } else if (target.hasAttribute("data-close-modal")) {
    await call("/api/close", { view_id: target.closest("[data-view]").dataset.view });
  } else if (target.hasAttribute("data-close-teams-dialog")) {
    await call("/api/teams/close", {});
  } else if (target.hasAttribute("data-copy")) {
    const text = target.parentElement.nextElementSibling.textContent;
    try {
      await navigator.clipboard.writeText(text);
      target.textContent = "Copied";
    } catch {
      const range = document.createRange();
      range.selectNodeContents(target.parentElement.nextElementSibling);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      target.textContent = "Selected: press Ctrl+C";
    }
  }
});

document.addEventListener("change", async (event) => {
  const target = event.target;
  if (target.id === "person-picker") {
    location.href = "/?as=" + encodeURIComponent(target.value);
  } else if (target.dataset.act === "select" && target.value) {
    await call("/api/action", { ...surfaceOf(target), action_id: target.dataset.action,
      block_id: target.dataset.block || null, selected_option: target.value });
  } else if (target.dataset.act === "date" && target.value) {
    await call("/api/action", { ...surfaceOf(target), action_id: target.dataset.action,
      block_id: target.dataset.block || null, selected_date: target.value });
  }
});

document.addEventListener("submit", async (event) => {
  const form = event.target;
  event.preventDefault();
  if (form.id === "composer") {
    const line = form.elements.line.value.trim();
    if (line) await call("/api/command", { line });
  } else if (form.id === "teams-composer") {
    const text = form.elements.text.value.trim();
    if (text) await call("/api/teams/message", { text });
  } else if (form.id === "modal") {
    await call("/api/submit", { view_id: form.dataset.view, values: modalValues(form) });
  }
});
