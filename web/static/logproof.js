// 核验公示日志证明: checks in the browser, with WebCrypto alone, that a result version is recorded in
// the public log (RFC 9162 inclusion proof), that the checkpoint is signed by the published key
// (C2SP signed note, Ed25519), and that the recorded entry says what this page shows.
// The steps are tlog/README.md's "Checking a proof in a browser".
(function () {
  "use strict";
  if (!window.crypto || !window.crypto.subtle) return;
  var enc = new TextEncoder();

  function b64(text) {
    var raw = atob(text), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function concat() {
    var parts = Array.prototype.slice.call(arguments), size = 0, at = 0;
    parts.forEach(function (p) { size += p.length; });
    var out = new Uint8Array(size);
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }
  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }
  function same(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  // RFC 9162 §2.1.3.2: the root that the audit path gives for the leaf at index in a tree of size.
  async function rootFromPath(index, size, leafHash, path) {
    if (index >= size) return null;
    var fn = index, sn = size - 1, r = leafHash;
    for (var i = 0; i < path.length; i++) {
      var p = path[i];
      if (sn === 0) return null;
      if (fn % 2 === 1 || fn === sn) {
        r = await sha256(concat(new Uint8Array([1]), p, r));
        while (fn % 2 === 0 && fn !== 0) { fn >>= 1; sn >>= 1; }
      } else {
        r = await sha256(concat(new Uint8Array([1]), r, p));
      }
      fn >>= 1; sn >>= 1;
    }
    return sn === 0 ? r : null;
  }

  // The signed note: text, a blank line, signature lines "— <name> <base64(key id ‖ signature)>".
  async function signatureHolds(note, verifierKey) {
    var cut = note.lastIndexOf("\n\n");
    if (cut < 0) return false;
    var text = note.slice(0, cut + 1), lines = note.slice(cut + 2).split("\n");
    // name+keyid+base64: the name holds no "+", the base64 may (split at the first two only).
    var text0 = verifierKey.trim(), first = text0.indexOf("+"), second = text0.indexOf("+", first + 1);
    var parts = [text0.slice(0, first), text0.slice(first + 1, second), text0.slice(second + 1)];
    var raw = b64(parts[2]);
    if (raw.length !== 33 || raw[0] !== 1) return false;
    var key = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]);
    for (var i = 0; i < lines.length; i++) {
      var m = /^— (\S+) (\S+)$/.exec(lines[i]);
      if (!m || m[1] !== parts[0]) continue;
      var sig = b64(m[2]);
      if (sig.length !== 68) continue;
      var keyId = Array.prototype.map.call(sig.slice(0, 4), function (b) {
        return ("0" + b.toString(16)).slice(-2);
      }).join("");
      if (keyId !== parts[1]) continue;
      if (await crypto.subtle.verify({ name: "Ed25519" }, key, sig.slice(4), enc.encode(text))) return true;
    }
    return false;
  }

  function show(out, ok, text) {
    out.className = "log-result notice " + (ok ? "ok" : "error");
    out.textContent = text;
  }

  async function check(box) {
    var out = box.querySelector(".log-result");
    out.className = "log-result notice";
    out.textContent = "正在核验……";
    try {
      var proof = JSON.parse(document.getElementById(box.dataset.proof).textContent);
      var lines = proof.checkpoint.signed.split("\n");
      var size = parseInt(lines[1], 10), root = b64(lines[2]);
      var leafBytes = enc.encode(proof.leaf);
      var leafHash = await sha256(concat(new Uint8Array([0]), leafBytes));
      var computed = await rootFromPath(proof.leafIndex, size, leafHash, proof.hashes.map(b64));
      if (!computed || !same(computed, root)) {
        return show(out, false, "核验未通过：审计路径得不到检查点的根哈希。");
      }
      var key = await (await fetch("/log/key", { cache: "no-store" })).text();
      if (!(await signatureHolds(proof.checkpoint.signed, key))) {
        return show(out, false, "核验未通过：检查点的签名与公布的公钥不符。");
      }
      var leaf = JSON.parse(proof.leaf), d = box.dataset;
      var shown = String(leaf.resultId) === d.resultId && String(leaf.version) === d.version &&
        leaf.creditCode === d.creditCode && leaf.publishedOn === d.publishedOn &&
        (leaf.categoryCodes || []).join(",") === d.categoryCodes && leaf.description === d.description;
      if (!shown) return show(out, false, "核验未通过：日志中的条目与本页显示的内容不一致。");
      show(out, true, "核验通过：本版本已记入公示日志第 " + proof.leafIndex + " 条，包含在共 " + size +
        " 条、已签名的检查点中，内容与本页一致。");
    } catch (error) {
      show(out, false, "核验未能完成：" + error.message);
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll(".log-proof"), function (box) {
    var button = box.querySelector("button");
    if (!button || !box.dataset.proof) return;
    button.hidden = false;
    button.addEventListener("click", function () { check(box); });
  });
})();
