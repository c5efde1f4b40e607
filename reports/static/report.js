// Sorting and filtering without a server. Reads only the page's own DOM.
(function () {
  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    var raw = cell.getAttribute("data-value");
    if (raw === null) raw = cell.textContent.trim();
    if (numeric) { var n = parseFloat(raw); return isNaN(n) ? -Infinity : n; }
    return raw;
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("th").forEach(function (th, index) {
      th.addEventListener("click", function () {
        var numeric = th.getAttribute("data-type") === "num";
        var asc = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index, numeric), y = cellValue(b, index, numeric);
          var c = numeric ? x - y : String(x).localeCompare(String(y), "zh-CN");
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  var kind = document.getElementById("filter-kind");
  var verdict = document.getElementById("filter-verdict");
  var text = document.getElementById("filter-text");
  function filterUnits() {
    var table = document.getElementById("ranking-table");
    if (!table) return;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var show = (!kind.value || row.getAttribute("data-kind") === kind.value) &&
        (!verdict.value || row.getAttribute("data-verdict") === verdict.value) &&
        (!text.value || row.cells[1].textContent.indexOf(text.value) !== -1);
      row.classList.toggle("hidden", !show);
    });
  }
  [kind, verdict, text].forEach(function (el) { if (el) el.addEventListener("input", filterUnits); });
  var status = document.getElementById("filter-status");
  if (status) status.addEventListener("input", function () {
    document.querySelectorAll(".finding").forEach(function (f) {
      f.classList.toggle("hidden", !!status.value && f.getAttribute("data-status") !== status.value);
    });
  });
})();
