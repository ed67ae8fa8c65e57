// Progressive enhancement only: every page works without this file.
document.documentElement.classList.add("js");

document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.matches("select[data-autosubmit]")) el.form.requestSubmit();
});

document.addEventListener("submit", (event) => {
  // The question may sit on the form or on the button that submitted it.
  const question = event.submitter?.dataset.confirm || event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});

// Quiz attempt: autosave on change, countdown display (the server enforces the deadline).
const attemptForm = document.getElementById("attempt-form");
if (attemptForm) {
  const state = document.querySelector("[data-save-state]");
  let timer = null;
  // Questions changed since the last save; when only one did, the server loads only it.
  const dirty = new Set();
  const send = async () => {
    const data = new FormData(attemptForm);
    const pending = [...dirty];
    if (pending.length === 1) data.append("only", pending[0]);
    dirty.clear();
    // A save that fails leaves its questions to the next one: an answer changed while the
    // connection was down must not be skipped when a later change names only its own question.
    const keep = () => pending.forEach((position) => dirty.add(position));
    try {
      const response = await fetch(attemptForm.dataset.autosave, {
        method: "POST", body: data, headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin",
      });
      const body = await response.json();
      if (body.ok) {
        state.textContent = `${attemptForm.dataset.savedText} ${new Date().toLocaleTimeString()}`;
      } else {
        keep();
        state.textContent = body.message;
      }
    } catch (err) {
      keep();
      state.textContent = attemptForm.dataset.offlineText;
    }
  };
  // One save at a time, in order, each sending the form as it is when its turn comes: two in
  // flight could arrive in the other order, and the older answers would overwrite the newer.
  let queue = Promise.resolve();
  const save = () => (queue = queue.then(send));
  // Back online: save what could not be saved, without waiting for the next change.
  window.addEventListener("online", () => {
    if (dirty.size) save();
  });
  const touched = (event) => {
    const question = event.target.closest("[data-position]");
    if (question) dirty.add(question.dataset.position);
  };
  attemptForm.addEventListener("change", (e) => {
    touched(e); clearTimeout(timer); timer = setTimeout(save, 300);
  });
  window.trainerSaveNow = () => { clearTimeout(timer); return save(); };

  // "Answered: n of total", kept up to date as the learner goes (the server wrote the first).
  const counter = document.querySelector("[data-progress]");
  const fill = (pattern, values) =>
    pattern.replace(/%\((\w+)\)d/g, (match, key) => String(values[key] ?? match));
  // A paged quiz lists every question in its navigator; the others' pages are not here.
  const nav = attemptForm.querySelector(".question-nav");
  const count = () => {
    let n = 0;
    let total = 0;
    for (const section of attemptForm.querySelectorAll("section[data-position]")) {
      if (section.dataset.counted === "false") continue;
      total += 1;
      const typed = [...section.querySelectorAll("select, input[type=text], input:not([type]), textarea")]
        .some((el) => el.value.trim() !== "");
      const answered = Boolean(section.dataset.begun === "true" || section.querySelector("input:checked") || typed);
      if (answered) n += 1;
      const entry = nav?.querySelector(`[data-nav="${section.dataset.position}"]`);
      if (entry) {
        entry.classList.toggle("answered", answered);
        entry.dataset.answered = String(answered);
        const status = entry.querySelector("[data-nav-status]");
        if (status) status.textContent = `, ${answered ? nav.dataset.answeredText : nav.dataset.unansweredText}`;
      }
    }
    for (const entry of nav?.querySelectorAll("[data-off-page]:not([data-counted=false])") ?? []) {
      total += 1;
      if (entry.dataset.answered === "true") n += 1;
    }
    return { n, total };
  };
  const recount = () => {
    if (counter) counter.textContent = fill(counter.dataset.pattern, count());
  };
  attemptForm.addEventListener("change", recount);
  attemptForm.addEventListener("input", recount);
  // Submitting with questions left blank asks a sharper question (read by the handler above,
  // which runs after this one: the form's listener fires before the document's).
  attemptForm.addEventListener("submit", (event) => {
    const button = event.submitter;
    if (!button?.dataset.confirmBlanks) return;
    button.dataset.confirmDefault ??= button.dataset.confirm;
    const { n, total } = count();
    button.dataset.confirm = n < total
      ? fill(button.dataset.confirmBlanks, { left: total - n, total })
      : button.dataset.confirmDefault;
  });
  attemptForm.addEventListener("input", (e) => {
    if (e.target.matches("input[type=text], input:not([type]), textarea")) {
      touched(e); clearTimeout(timer); timer = setTimeout(save, 1200);
    }
  });
}
const clock = document.querySelector("[data-deadline]");
if (clock) {
  const deadline = new Date(clock.dataset.deadline);
  const out = clock.querySelector("[data-countdown]");
  const tick = () => {
    const left = Math.max(0, Math.round((deadline - new Date()) / 1000));
    out.textContent = `(${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")})`;
    if (left === 0) {
      // Time is up: send what is typed, then let the server close and grade the attempt.
      const pending = window.trainerSaveNow ? window.trainerSaveNow() : Promise.resolve();
      pending.finally(() => window.location.reload());
      return;
    }
    setTimeout(tick, 1000);
  };
  tick();
}

// Drill step page: the server decides where a participant is; poll it and reload when the
// drill moves on (started, next step, finished). Jitter spreads a room full of phones.
const drillState = document.querySelector("[data-drill-state]");
if (drillState) {
  const onStep = drillState.querySelector("form") !== null;
  const poll = async () => {
    try {
      const response = await fetch(drillState.dataset.drillState, {
        credentials: "same-origin", cache: "no-store",
      });
      if (response.ok) {
        const body = await response.json();
        if (body.key !== drillState.dataset.key) {
          window.location.reload();
          return;
        }
      }
    } catch (err) {
      // Offline for a moment: the next poll tries again; the server keeps the place.
    }
    setTimeout(poll, (onStep ? 5000 : 1500) + Math.random() * 1000);
  };
  setTimeout(poll, 1500 + Math.random() * 1000);
}

// Live drill board: refresh the rows from board.json without reloading the page.
const drillBoard = document.querySelector("[data-board]");
if (drillBoard && drillBoard.dataset.status !== "finished") {
  const rows = drillBoard.querySelector("[data-board-rows]");
  const left = drillBoard.querySelector("[data-board-left]");
  const count = drillBoard.querySelector("[data-board-count]");
  const label = (row) => {
    const text = drillBoard.dataset[`label${row.state[0].toUpperCase()}${row.state.slice(1)}`];
    return text.replace("{n}", String(row.step));
  };
  const cell = (tr, text) => {
    const td = document.createElement("td");
    td.textContent = text;
    tr.appendChild(td);
  };
  const refresh = async () => {
    try {
      const response = await fetch(drillBoard.dataset.board, {
        credentials: "same-origin", cache: "no-store",
      });
      if (response.ok) {
        const body = await response.json();
        if (body.status !== drillBoard.dataset.status) {
          window.location.reload();
          return;
        }
        rows.replaceChildren(...body.rows.map((row) => {
          const tr = document.createElement("tr");
          cell(tr, row.name);
          cell(tr, label(row));
          const result = row.passed ? drillBoard.dataset.labelPassed : drillBoard.dataset.labelFailed;
          cell(tr, row.percent === null ? "" : `${row.percent}% ${result}`);
          cell(tr, row.seconds === null ? "" : `${row.seconds} s`);
          cell(tr, String(row.critical));
          return tr;
        }));
        if (count) count.textContent = count.textContent.replace(/\d+/, String(body.joined));
        if (left) left.textContent = left.textContent.replace(/\d+/, String(body.seconds_left));
      }
    } catch (err) {
      // Keep the last board; try again.
    }
    setTimeout(refresh, 2000);
  };
  setTimeout(refresh, 2000);
}
