// The draw's commitment, computed in the browser (WebCrypto): the seed stays here, only its SHA-256
// goes into the form. The seed field has no name, so no form post can carry it. Without WebCrypto
// (JavaScript off, or a page served over plain HTTP to a non-local address) the page keeps showing how
// to compute the hash elsewhere and paste it.
(function () {
  "use strict";
  var tools = document.getElementById("seed-tools");
  var seed = document.getElementById("seed-local");
  var hash = document.getElementById("seedSha256");
  var generate = document.getElementById("seed-generate");
  if (!tools || !seed || !hash || !window.crypto || !window.crypto.subtle) return;
  tools.hidden = false;
  var manual = document.getElementById("seed-manual");
  if (manual) manual.hidden = true;  // the explanation is for browsers that cannot do it here

  function hex(bytes) {
    return Array.prototype.map.call(new Uint8Array(bytes), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }
  function update() {
    if (seed.value.length < 16) { hash.value = ""; return; }
    crypto.subtle.digest("SHA-256", new TextEncoder().encode(seed.value)).then(function (digest) {
      hash.value = hex(digest);
    });
  }
  seed.addEventListener("input", update);
  generate.addEventListener("click", function () {
    var bytes = new Uint8Array(32);
    crypto.getRandomValues(bytes);
    seed.value = hex(bytes.buffer);
    update();
  });
})();
