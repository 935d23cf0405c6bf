// Billfold portal: progressive enhancement only. Every page works without this script.
(function () {
  "use strict";

  var ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  var PATTERN = /^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z][Z1-9ABD-J][0-9A-Z]$/;

  // The 15th character of a GSTIN: each of the first 14 characters' position in the alphabet, weighted 1 and 2 in
  // turn, split into quotient and remainder by 36 and summed; the check is what brings the sum to a multiple of 36.
  function checkCharacter(first14) {
    var sum = 0;
    for (var index = 0; index < 14; index++) {
      var position = ALPHABET.indexOf(first14.charAt(index));
      if (position < 0) return null;
      var product = position * (index % 2 === 0 ? 1 : 2);
      sum += Math.floor(product / 36) + (product % 36);
    }
    return ALPHABET.charAt((36 - (sum % 36)) % 36);
  }

  function gstinProblem(value) {
    if (value === "") return null;
    if (value.length !== 15) return "A GSTIN has 15 characters; this has " + value.length + ".";
    if (!PATTERN.test(value)) return "That does not look like a GSTIN, such as 29AADCC7311R1Z6.";
    var state = parseInt(value.slice(0, 2), 10);
    if (state < 1 || (state > 38 && state !== 97)) return "It must start with a state code, such as 29 for Karnataka.";
    var expected = checkCharacter(value.slice(0, 14));
    if (expected !== value.charAt(14)) return "The last character should be " + expected + "; a character is probably mistyped.";
    return null;
  }

  function watchGSTIN() {
    var input = document.getElementById("gstin");
    var hint = document.querySelector("[data-testid=gstin-hint]");
    if (!input || !hint) return;
    var original = hint.textContent;
    function update() {
      var value = input.value.trim().toUpperCase();
      var problem = gstinProblem(value);
      if (value === "") {
        hint.textContent = original;
        hint.className = "field-hint";
        input.removeAttribute("aria-invalid");
      } else if (problem) {
        hint.textContent = problem;
        hint.className = "field-hint field-error";
        input.setAttribute("aria-invalid", "true");
      } else {
        hint.textContent = "Valid GSTIN, registered in state " + value.slice(0, 2) + ".";
        hint.className = "field-hint field-ok";
        input.removeAttribute("aria-invalid");
      }
    }
    input.addEventListener("input", update);
    if (input.getAttribute("aria-invalid") !== "true") update();
  }

  // While an invoice's payment is being confirmed, ask the API every two seconds and reload once it is paid.
  function pollStatus() {
    var badge = document.querySelector("[data-poll]");
    if (!badge || !window.fetch) return;
    var url = badge.getAttribute("data-poll");
    var timer = window.setInterval(function () {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (invoice) {
          if (!invoice || !invoice.status || invoice.status === "processing") return;
          window.clearInterval(timer);
          badge.textContent = invoice.status.charAt(0).toUpperCase() + invoice.status.slice(1);
          badge.className = "badge badge-" + invoice.status;
          if (invoice.status === "paid") window.location.reload();
        })
        .catch(function () {});
    }, 2000);
  }

  // "Download selected" says how many are ticked, and waits until one is.
  function countSelection() {
    var form = document.getElementById("download-form");
    if (!form) return;
    var button = form.querySelector("[data-testid=download-selected]");
    var count = form.querySelector(".bulk-count");
    var boxes = document.querySelectorAll("input[name=ids][form=download-form]");
    function update() {
      var ticked = 0;
      for (var index = 0; index < boxes.length; index++) if (boxes[index].checked) ticked++;
      if (count) count.textContent = ticked === 0 ? "Tick invoices to download their PDFs." : ticked + " selected";
      button.setAttribute("aria-disabled", ticked === 0 ? "true" : "false");
    }
    for (var index = 0; index < boxes.length; index++) boxes[index].addEventListener("change", update);
    form.addEventListener("submit", function (event) {
      for (var index = 0; index < boxes.length; index++) if (boxes[index].checked) return;
      event.preventDefault();
      if (count) count.textContent = "Tick at least one invoice first.";
    });
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    watchGSTIN();
    pollStatus();
    countSelection();
  });

  window.billfoldGSTIN = { checkCharacter: checkCharacter, problem: gstinProblem };
})();
