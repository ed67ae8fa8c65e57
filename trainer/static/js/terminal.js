// The terminal simulator: draw what the server answers to each key press. The server applies
// every key with the engine and keeps the log; this file only sends keys and draws screens.
// A quiz page may hold several terminals: the keyboard works the one last touched.
let activeTerminal = null;

const setUpTerminal = (terminal) => {
  const screen = terminal.querySelector("[data-screen]");
  const receipt = terminal.querySelector("[data-receipt]");
  const message = terminal.querySelector("[data-terminal-message]");
  const csrf = terminal.querySelector("[data-terminal-csrf]").value;
  const part = (name) => screen.querySelector(`[data-screen-${name}]`);

  const item = (tag, text, className) => {
    const el = document.createElement(tag);
    el.textContent = text;
    if (className) el.className = className;
    return el;
  };

  const draw = (s) => {
    screen.className = `term-screen term-${s.kind}`;
    part("title").textContent = s.title || "";
    part("lines").replaceChildren(...(s.lines || []).map((line) => item("p", line)));
    part("menu").replaceChildren(...(s.menu || []).map((entry) => {
      const li = document.createElement("li");
      li.append(item("span", entry.key, "term-menu-key"), ` ${entry.label}`);
      return li;
    }));
    part("input").textContent = s.input || "";
    part("soft").replaceChildren(...(s.softkeys || []).map(
      (soft) => item("li", typeof soft === "string" ? soft : soft.label)));
    if (s.beep) {
      screen.classList.add("term-beep");
      setTimeout(() => screen.classList.remove("term-beep"), 400);
    }
  };

  // The printer feeds one line at a time, as a real one does. Only the receipt's own box
  // scrolls to the new line: on a phone the printer is below the keypad, and moving the page
  // there would put another key under the cashier's next tap.
  let printing = Promise.resolve();
  const print = (lines) => {
    for (const line of lines) {
      printing = printing.then(() => new Promise((done) => {
        receipt.append(item("div", line.text, `receipt-${line.style}`));
        receipt.scrollTop = receipt.scrollHeight;
        setTimeout(done, 120);
      }));
    }
  };

  // One key at a time, in order: the log must have the keys in the order they were pressed.
  let queue = Promise.resolve();
  const send = (key) => {
    queue = queue.then(async () => {
      const data = new FormData();
      data.append("key", key);
      data.append("csrf_token", csrf);
      try {
        const response = await fetch(terminal.dataset.keyUrl, {
          method: "POST", body: data, credentials: "same-origin",
          headers: { "X-Requested-With": "fetch", "X-CSRFToken": csrf },
        });
        // A refusal that is not the terminal's (too many presses: 429) has no JSON body.
        const body = await response.json().catch(() => ({ ok: false }));
        if (body.ok) {
          message.textContent = "";
          draw(body.screen);
          print(body.printed);
        } else if (!body.done) {
          message.textContent = terminal.dataset.busyText;
        }
        if (body.done) {
          await printing;
          window.location.assign(body.next || terminal.dataset.doneUrl);
        }
      } catch (err) {
        message.textContent = terminal.dataset.offlineText;
      }
    });
    return queue;
  };
  terminal.idle = () => queue.then(() => printing);

  terminal.addEventListener("click", (event) => {
    activeTerminal = terminal;
    const button = event.target.closest("button[data-key]");
    if (button) send(button.dataset.key);
  });
  terminal.addEventListener("focusin", () => { activeTerminal = terminal; });

  const shortcuts = new Map(
    [...terminal.querySelectorAll("[data-shortcut]")].map((b) => [b.dataset.shortcut, b]));
  terminal.pressShortcut = (key) => {
    const button = shortcuts.get(key);
    if (!button) return false;
    button.classList.add("term-pressed");
    setTimeout(() => button.classList.remove("term-pressed"), 120);
    send(button.dataset.key);
    return true;
  };
};

const terminals = [...document.querySelectorAll("[data-terminal]")];
terminals.forEach(setUpTerminal);
activeTerminal = terminals[0] || null;
// Tests wait for the last key's answer and the printer before reading the page.
window.trainerTerminalIdle = () => Promise.all(terminals.map((t) => t.idle()));

// The computer's keyboard works the keypad: digits, Enter, Escape, Backspace, arrows, F1-F4.
document.addEventListener("keydown", (event) => {
  if (!activeTerminal || event.ctrlKey || event.altKey || event.metaKey) return;
  const target = event.target;
  // Typing in a field elsewhere on the page, or activating a focused button, is not a key press.
  if (target.closest("input, textarea, select")) return;
  if ((event.key === "Enter" || event.key === " ") && target.closest("button, a, summary")) return;
  if (activeTerminal.pressShortcut(event.key)) event.preventDefault();
});

// Practice runs: the time left, counted down (the server keeps the real limit); at zero the
// run page reloads, and the server closes the run and shows the debrief.
const timeLeft = document.querySelector("[data-time-left]");
if (timeLeft) {
  const ends = Date.now() + Number(timeLeft.dataset.timeLeft) * 1000;
  const tick = () => {
    const left = Math.max(0, Math.round((ends - Date.now()) / 1000));
    timeLeft.textContent = timeLeft.textContent.replace(/\d+/, String(left));
    if (left === 0) {
      // Two seconds late, so the server's clock is past the limit too.
      const leave = () => setTimeout(() => window.location.assign(timeLeft.dataset.doneUrl), 2000);
      Promise.all(terminals.map((t) => t.idle())).finally(leave);
      return;
    }
    setTimeout(tick, 1000);
  };
  setTimeout(tick, 1000);
}
