// Workspace forms, as an enhancement: every form works without this script.
// - files dropped on the drop zone go into the plain file input;
// - the count, size and kind limits are checked before the upload starts;
// - a form marked data-once submits once (a double click files once; the server's key ensures it too).
(function () {
  "use strict";
  var KINDS = ["application/pdf", "image/jpeg", "image/png"];
  function check(input) {
    var out = document.getElementById("evidence-check");
    var max = parseInt(input.dataset.maxFiles, 10), bytes = parseInt(input.dataset.maxBytes, 10);
    var problems = [];
    if (input.files.length > max) problems.push("最多" + max + "个文件，已选择" + input.files.length + "个");
    Array.prototype.forEach.call(input.files, function (file) {
      if (file.size > bytes) problems.push("“" + file.name + "”超过" + Math.floor(bytes / 1048576) + "MB");
      if (file.type && KINDS.indexOf(file.type) < 0) problems.push("“" + file.name + "”不是PDF、JPEG或PNG文件");
    });
    if (out) out.textContent = problems.join("；");
    return problems.length === 0;
  }
  document.querySelectorAll("[data-drop]").forEach(function (zone) {
    var input = zone.querySelector("input[type=file]");
    var hint = zone.querySelector("[data-drop-hint]");
    if (!input || typeof DataTransfer === "undefined") return;
    if (hint) hint.hidden = false;
    zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      zone.classList.remove("over");
      var all = new DataTransfer();
      Array.prototype.forEach.call(input.files, function (f) { all.items.add(f); });
      Array.prototype.forEach.call(e.dataTransfer.files, function (f) { all.items.add(f); });
      input.files = all.files;
      check(input);
    });
    input.addEventListener("change", function () { check(input); });
  });
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      var input = form.querySelector("input[type=file][data-max-files]");
      if (input && !check(input)) { e.preventDefault(); return; }
      if (form.dataset.sent) { e.preventDefault(); return; }
      form.dataset.sent = "1";
    });
  });
})();
