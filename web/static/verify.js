// 复核抽取 (gongshi-draw-v2) in the browser with WebCrypto, from the published list, seed and nonce.
// The algorithm is inspections/draw_algorithm.py's, step for step; nothing here trusts the server's
// list of drawn entities except to compare with it.
(function () {
  "use strict";
  var box = document.getElementById("draw");
  var button = document.getElementById("verify-button");
  var out = document.getElementById("verify-result");
  if (!box || !button || !window.crypto || !window.crypto.subtle) return;
  button.hidden = false;

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }
  function sha256(text) {
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(hex);
  }
  function show(ok, lines) {
    out.className = "notice " + (ok ? "ok" : "error");
    out.textContent = "";
    lines.forEach(function (line) {
      var p = document.createElement("p");
      p.textContent = line;
      out.appendChild(p);
    });
  }

  async function verify() {
    var d = box.dataset;
    out.className = "notice";
    out.textContent = "正在复核……";
    var text = await (await fetch(d.candidates, { cache: "no-store" })).text();
    var listHash = await sha256(text);
    if (listHash !== d.candidatesSha256) {
      show(false, [
        "复核未通过：下载的候选名单与抽取前公布的哈希值不一致。",
        "公布的哈希：" + d.candidatesSha256,
        "下载名单的哈希：" + listHash,
      ]);
      return;
    }
    var seed = d.nonce ? await sha256(d.seed + "\n" + d.nonce) : d.seed;
    var ratios = d.ratios.split(",").map(Number);
    var strata = {};
    text.split("\n").forEach(function (line) {
      if (!line.trim()) return;
      var parts = line.split("\t");
      (strata[parts[0]] = strata[parts[0]] || []).push(parts[1].trim());
    });
    var drawn = [];
    var positions = Object.keys(strata).map(Number).sort(function (a, b) { return a - b; });
    for (var i = 0; i < positions.length; i++) {
      var position = positions[i];
      var codes = strata[position];
      var scored = await Promise.all(codes.map(function (code) {
        return sha256(seed + "\n" + position + "\n" + code).then(function (s) { return [s, code]; });
      }));
      scored.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : (a[1] < b[1] ? -1 : 1); });
      var n = codes.length, bp = ratios[position - 1];
      var k = n <= 0 ? 0 : Math.min(n, Math.max(1, Math.ceil(n * bp / 10000)));
      scored.slice(0, k).forEach(function (s) { drawn.push(s[1]); });
    }
    var published = d.drawn ? d.drawn.split(",") : [];
    if (drawn.join(",") === published.join(",")) {
      show(true, ["复核通过：重新计算得到的 " + drawn.length + " 个检查对象与公布的名单完全一致（顺序也相同）。"]);
      return;
    }
    var missing = published.filter(function (c) { return drawn.indexOf(c) < 0; });
    var extra = drawn.filter(function (c) { return published.indexOf(c) < 0; });
    show(false, [
      "复核未通过：重新计算的名单与公布的名单不同。",
      "公布了但重新计算未抽中：" + (missing.join("、") || "无"),
      "重新计算抽中但未公布：" + (extra.join("、") || "无"),
    ]);
  }

  button.addEventListener("click", function () {
    verify().catch(function (e) { show(false, ["复核时出错：" + e]); });
  });
})();
