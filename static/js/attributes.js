// Change Attributes: add rows from the template, move rows up and down, and keep the
// Order numbers and the formset's TOTAL_FORMS in step. Without this script the page still
// works: blank rows add attributes and the Order numbers reorder them.
(function () {
  const rows = document.getElementById("attribute-rows");
  const template = document.getElementById("attribute-row-template");
  const total = document.querySelector("input[name$='-TOTAL_FORMS']");
  if (!rows || !template || !total) return;

  function renumber() {
    rows.querySelectorAll("input[name$='-ORDER']").forEach((input, index) => { input.value = index + 1; });
  }

  document.querySelector("[data-add-row]").addEventListener("click", () => {
    const index = parseInt(total.value, 10);
    const html = template.innerHTML.replace(/__prefix__/g, String(index));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = index + 1;
    renumber();
    rows.lastElementChild.querySelector("select, input[type=text]").focus();
  });

  rows.addEventListener("click", (event) => {
    const button = event.target.closest("[data-move]");
    if (!button) return;
    const row = button.closest("tr");
    if (button.dataset.move === "up" && row.previousElementSibling) row.parentNode.insertBefore(row, row.previousElementSibling);
    if (button.dataset.move === "down" && row.nextElementSibling) row.parentNode.insertBefore(row.nextElementSibling, row);
    renumber();
  });

  // Picking a suggestion fills in its name and type.
  const suggestionTypes = JSON.parse(document.getElementById("suggestion-types")?.textContent || "{}");
  rows.addEventListener("change", (event) => {
    if (!event.target.name?.endsWith("-suggestion")) return;
    const row = event.target.closest("tr");
    const suggestion = suggestionTypes[event.target.value];
    const name = row.querySelector("input[name$='-name']");
    if (suggestion) {
      name.value = suggestion.name;
      row.querySelector("select[name$='-value_type']").value = suggestion.type;
    }
  });

  document.addEventListener("DOMContentLoaded", renumber);
  renumber();
})();
