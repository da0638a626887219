// onebox dashboard: refresh the figures in place, and replay dead letters (CSRF double submit).
(function () {
  "use strict";
  var script = document.currentScript;
  var every = Number(script && script.getAttribute("data-refresh")) || 15;
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var flash = document.getElementById("flash");

  function say(text) { if (flash) { flash.textContent = text; } }

  function currentWindow() {
    var main = document.getElementById("content");
    return (main && main.getAttribute("data-window")) || "day";
  }

  function refresh() {
    var url = "/fragment?window=" + encodeURIComponent(currentWindow());
    return fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (response.status === 401) { window.location.reload(); return null; }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        if (html === null) { return; }
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#content");
        var old = document.getElementById("content");
        if (fresh && old) { old.replaceWith(fresh); document.body.setAttribute("data-refreshed", String(Date.now())); }
      })
      .catch(function (error) { say("Could not refresh: " + error.message); });
  }

  function replay(button) {
    var id = Number(button.getAttribute("data-replay"));
    button.disabled = true;
    fetch("/api/replay", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ ids: [id] })
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (!result.ok) { throw new Error(result.body.error || "refused"); }
        say("Replayed dead letter " + id + ".");
        return refresh();
      })
      .catch(function (error) { button.disabled = false; say("Replay failed: " + error.message); });
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target instanceof Element && target.matches("button[data-replay]")) { replay(target); }
  });
  window.setInterval(refresh, every * 1000);
  window.oneboxRefresh = refresh;
})();
