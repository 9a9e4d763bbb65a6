// よくあるご質問 authoring (B3): order the rows of the back office list by dragging them.
// Dropping a row renumbers the 表示順 fields of the rows shown (10, 20, 30, ...); nothing is
// stored until the operator presses the list's 「保存」 button, exactly as when the numbers
// are typed. Loaded as a static file: the back office's CSP allows no inline script.
(function () {
  "use strict";

  function orderInputs(table) {
    return Array.prototype.slice.call(table.querySelectorAll("tbody input[name$='-order']"));
  }

  function renumber(table) {
    var inputs = orderInputs(table);
    inputs.forEach(function (input, index) {
      var value = String((index + 1) * 10);
      if (input.value !== value) {
        input.value = value;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  function setUp(table) {
    var inputs = orderInputs(table);
    if (inputs.length < 2) {
      return;
    }
    var dragged = null;
    inputs.forEach(function (input) {
      var row = input.closest("tr");
      var handle = document.createElement("span");
      handle.className = "faq-drag-handle";
      handle.setAttribute("draggable", "true");
      handle.setAttribute("title", "ドラッグして並べ替え");
      handle.setAttribute("aria-hidden", "true");
      handle.textContent = "↕";
      input.parentNode.insertBefore(handle, input);
      handle.addEventListener("dragstart", function (event) {
        dragged = row;
        row.classList.add("faq-dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", input.name);
      });
      handle.addEventListener("dragend", function () {
        row.classList.remove("faq-dragging");
        dragged = null;
      });
      row.addEventListener("dragover", function (event) {
        if (dragged && dragged !== row) {
          event.preventDefault();
        }
      });
      row.addEventListener("drop", function (event) {
        if (!dragged || dragged === row) {
          return;
        }
        event.preventDefault();
        var rows = Array.prototype.slice.call(row.parentNode.children);
        if (rows.indexOf(dragged) < rows.indexOf(row)) {
          row.parentNode.insertBefore(dragged, row.nextSibling);
        } else {
          row.parentNode.insertBefore(dragged, row);
        }
        renumber(table);
      });
    });
    var note = document.createElement("p");
    note.className = "help faq-drag-help";
    note.textContent =
      "↕ をドラッグすると並べ替えられます（表示中の行の表示順を 10, 20, 30… に振り直します）。「保存」を押すと反映されます。";
    table.parentNode.insertBefore(note, table);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var table = document.getElementById("result_list");
    if (table) {
      setUp(table);
    }
  });
})();
