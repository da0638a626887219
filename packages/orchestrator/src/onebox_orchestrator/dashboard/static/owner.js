// onebox owner's pages: send an answer to an unanswered group (JSON, CSRF double submit).
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var flash = document.getElementById("flash");

  function say(text) { if (flash) { flash.textContent = text; } }

  function teach(form) {
    var group = form.getAttribute("data-group");
    var field = form.querySelector("textarea");
    var button = form.querySelector("button");
    button.disabled = true;
    fetch("/api/unanswered/" + encodeURIComponent(group) + "/answer", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ answer: field.value })
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (!result.ok) { throw new Error(result.body.error || "refused"); }
        var item = form.closest("li");
        if (item) { item.setAttribute("data-answered", "1"); }
        form.textContent = "Answered: the bot uses it from the next message on.";
        say("Saved as FAQ entry " + result.body.faq_id + ".");
      })
      .catch(function (error) { button.disabled = false; say("Not saved: " + error.message); });
  }

  document.addEventListener("submit", function (event) {
    var target = event.target;
    if (target instanceof HTMLFormElement && target.matches("form.teach")) {
      event.preventDefault();
      teach(target);
    }
  });
})();
