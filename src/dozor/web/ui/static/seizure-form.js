// The seizure form: rows added and removed, autocompletion from the code lists, and inline
// validation through the server's dry run (the import's checks and messages).
(function () {
  "use strict";

  var form = document.getElementById("seizure-form");
  if (!form) {
    return;
  }
  var suggestUrl = form.getAttribute("data-suggest-url");
  var checkUrl = form.getAttribute("data-check-url");
  var status = document.getElementById("check-status");
  var touched = {};

  // --- rows ---------------------------------------------------------------------------------

  function renumber(container) {
    var group = container.getAttribute("data-rows");
    var pattern = new RegExp("^" + group + "-\\d+-");
    var rows = container.querySelectorAll("[data-row]");
    rows.forEach(function (row, index) {
      var prefix = group + "-" + index + "-";
      row.querySelectorAll("[id], [name], [for], [aria-describedby], [aria-controls], [data-error-for]")
        .forEach(function (el) {
          ["id", "name", "for", "aria-describedby", "aria-controls", "data-error-for"].forEach(function (attr) {
            var value = el.getAttribute(attr);
            if (value && pattern.test(value)) {
              el.setAttribute(attr, value.replace(pattern, prefix));
            }
          });
        });
      var number = row.querySelector(".row-no");
      if (number) {
        number.textContent = String(index + 1);
      }
    });
    container.setAttribute("data-next", String(rows.length));
  }

  function addRow(group) {
    var container = form.querySelector('[data-rows="' + group + '"]');
    var template = document.getElementById(group + "-template");
    var index = Number(container.getAttribute("data-next") || "0");
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__i__/g, String(index));
    var row = holder.firstElementChild;
    container.appendChild(row);
    renumber(container);
    var first = row.querySelector("input, select");
    if (first) {
      first.focus();
    }
  }

  form.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      addRow(add.getAttribute("data-add-row"));
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      var row = remove.closest("[data-row]");
      var container = row.parentElement;
      row.remove();
      renumber(container);
      var next = container.querySelector("[data-row] input, [data-row] select");
      (next || form.querySelector('[data-add-row="' + container.getAttribute("data-rows") + '"]')).focus();
      scheduleCheck();
    }
  });

  // --- autocompletion (an ARIA 1.2 combobox with a listbox popup) ----------------------------

  var pending = null;

  function listOf(input) {
    return document.getElementById(input.getAttribute("aria-controls"));
  }

  function close(input) {
    var list = listOf(input);
    if (list) {
      list.hidden = true;
      list.innerHTML = "";
    }
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function choose(input, option) {
    input.value = option.getAttribute("data-value");
    close(input);
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function show(input, items) {
    var list = listOf(input);
    list.innerHTML = "";
    items.forEach(function (item, index) {
      var option = document.createElement("li");
      option.setAttribute("role", "option");
      option.id = input.id + "-option-" + index;
      option.setAttribute("data-value", item.value);
      option.setAttribute("aria-selected", "false");
      option.textContent = item.label;
      if (item.hint) {
        var hint = document.createElement("span");
        hint.className = "combo-hint";
        hint.textContent = item.hint;
        option.appendChild(hint);
      }
      list.appendChild(option);
    });
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", items.length ? "true" : "false");
    input.removeAttribute("aria-activedescendant");
  }

  function lookUp(input) {
    var text = input.value.trim();
    if (!text) {
      close(input);
      return;
    }
    var url = suggestUrl + input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(text);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (reply) { return reply.ok ? reply.json() : { items: [] }; })
      .then(function (data) {
        if (document.activeElement === input && input.value.trim() === text) {
          show(input, data.items || []);
        }
      })
      .catch(function () { close(input); });
  }

  function move(input, step) {
    var list = listOf(input);
    var options = Array.prototype.slice.call(list.querySelectorAll('[role="option"]'));
    if (!options.length) {
      return;
    }
    var current = options.findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
    var next = (current + step + options.length) % options.length;
    options.forEach(function (o, i) { o.setAttribute("aria-selected", i === next ? "true" : "false"); });
    input.setAttribute("aria-activedescendant", options[next].id);
    options[next].scrollIntoView({ block: "nearest" });
  }

  form.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-suggest]")) {
      return;
    }
    clearTimeout(pending);
    pending = setTimeout(function () { lookUp(input); }, 150);
  });

  form.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-suggest]")) {
      return;
    }
    var open = input.getAttribute("aria-expanded") === "true";
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!open) {
        lookUp(input);
      } else {
        move(input, event.key === "ArrowDown" ? 1 : -1);
      }
      event.preventDefault();
    } else if (event.key === "Enter" && open) {
      var active = input.getAttribute("aria-activedescendant");
      var option = active ? document.getElementById(active) : listOf(input).querySelector('[role="option"]');
      if (option) {
        choose(input, option);
        event.preventDefault();
      }
    } else if (event.key === "Escape" && open) {
      close(input);
      event.preventDefault();
    }
  });

  // mousedown, not click: the option is chosen before the input loses focus
  form.addEventListener("mousedown", function (event) {
    var option = event.target.closest('[role="option"]');
    if (option) {
      var input = form.querySelector('[aria-controls="' + option.parentElement.id + '"]');
      event.preventDefault();
      choose(input, option);
    }
  });

  form.addEventListener("focusout", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[data-suggest]")) {
      setTimeout(function () { close(input); }, 100);
    }
  });

  // --- inline validation ------------------------------------------------------------------

  var checkTimer = null;
  var checkRound = 0;

  function fieldName(el) {
    return el.name === "handling" || el.name === "h3_text" ? "handling" : el.name === "seizure_time" ? "seizure_day" : el.name;
  }

  function showErrors(data) {
    var errors = data.errors || {};
    var all = form.getAttribute("data-checked") === "all";
    var count = 0;
    form.querySelectorAll("[data-error-for]").forEach(function (box) {
      var name = box.getAttribute("data-error-for");
      var texts = errors[name];
      var visible = texts && (all || touched[name]);
      box.hidden = !visible;
      box.textContent = visible ? texts.join(" ") : "";
      var field = document.getElementById(name);
      if (field && field.tagName !== "FIELDSET") {
        if (visible) {
          field.setAttribute("aria-invalid", "true");
        } else {
          field.removeAttribute("aria-invalid");
        }
      }
      if (visible) {
        count += 1;
      }
    });
    if (status) {
      status.textContent = status.getAttribute(count ? "data-problems" : "data-ok") || "";
    }
  }

  function check() {
    var round = ++checkRound;
    var body = new FormData(form);
    fetch(checkUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": window.dozor.csrfToken(), Accept: "application/json" },
    })
      .then(function (reply) { return reply.ok ? reply.json() : null; })
      .then(function (data) {
        if (data && round === checkRound) {
          showErrors(data);
        }
      })
      .catch(function () {});
  }

  function scheduleCheck() {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, 400);
  }

  form.addEventListener("change", function (event) {
    if (event.target.name) {
      touched[fieldName(event.target)] = true;
      scheduleCheck();
    }
  });

  form.addEventListener("submit", function () {
    form.setAttribute("data-checked", "all");
  });

  var summary = document.getElementById("form-errors");
  if (summary && !summary.hidden) {
    summary.focus();
  }
})();
