/* landreg pages: the behaviour that used to sit in inline handlers and scripts, which the Content-Security-Policy
   does not run. Loaded with `defer` by webmap/base.html, webmap/field/base.html (except the field app shell,
   whose field.js does the same for its language switch) and the ballot page. */
(function () {
  "use strict";

  // <select data-autosubmit>: submit its form on change (the language switch, the dashboard's township).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form.requestSubmit) { select.form.requestSubmit(); } else { select.form.submit(); }
    });
  });

  // <button data-print>: print the page.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // <form data-go-to="field">: go to the address chosen in that field instead of submitting.
  document.querySelectorAll("form[data-go-to]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window.location.href = form.elements[form.dataset.goTo].value;
    });
  });

  // Layout upload with progress: the same form, sent by XMLHttpRequest so the bar can follow the bytes.
  var form = document.getElementById("layout-upload");
  if (form) {
    var bar = document.getElementById("upload-progress");
    var status = document.getElementById("upload-status");
    form.addEventListener("submit", function (event) {
      if (!window.FormData) { return; }
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      bar.hidden = false;
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) {
          bar.value = Math.round(100 * e.loaded / e.total);
          status.textContent = form.dataset.uploading + " " + bar.value + "%";
        }
      };
      xhr.upload.onload = function () { status.textContent = form.dataset.checking; };
      xhr.onload = function () {
        if (xhr.responseURL && xhr.responseURL !== window.location.href) {
          window.location.href = xhr.responseURL;
        } else {
          document.open(); document.write(xhr.responseText); document.close();
        }
      };
      xhr.onerror = function () { status.textContent = form.dataset.interrupted; };
      xhr.send(new FormData(form));
    });
  }
})();
