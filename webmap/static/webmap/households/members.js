/* The registration form's "Add a member": each click adds a member row from the form set's empty form (a
   <template>, its fields named with __prefix__), and counts it in the management form's TOTAL_FORMS. Without
   script the form still works with its one row; members can be added on the household's page afterwards. */
(function () {
  "use strict";
  var button = document.getElementById("add-member");
  var template = document.getElementById("member-template");
  var rows = document.getElementById("member-rows");
  var total = document.querySelector("input[name$='-TOTAL_FORMS']");
  if (!button || !template || !rows || !total) { return; }
  var max = parseInt(document.getElementById("members").dataset.max || "20", 10);
  button.hidden = false;
  button.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    if (index >= max) { button.disabled = true; return; }
    var row = template.content.firstElementChild.cloneNode(true);
    row.querySelectorAll("[name], [id], label[for]").forEach(function (el) {
      ["name", "id", "for"].forEach(function (attribute) {
        var value = el.getAttribute(attribute);
        if (value) { el.setAttribute(attribute, value.replace(/__prefix__/g, String(index))); }
      });
    });
    rows.appendChild(row);
    total.value = String(index + 1);
    if (index + 1 >= max) { button.disabled = true; }
    var first = row.querySelector("select, input");
    if (first) { first.focus(); }
  });
})();
