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
