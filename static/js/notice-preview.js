// 工事・故障情報 (B2): the body's live preview in the back office. As the operator types,
// the body is posted (debounced) to the preview URL, which answers the HTML the public page
// shows (render_markdown: sanitized by nh3). No inline script: strict CSP. Without
// JavaScript the form's 「プレビュー」 button shows the page again with the preview.
// The admin loads this file in <head>: it starts once the page is parsed.
(function () {
  "use strict";
  var DELAY_MS = 300;

  function start() {
    var preview = document.getElementById("notice-preview");
    var body = document.getElementById("id_body");
    if (!preview || !body || !window.fetch || !window.FormData) {
      return;
    }
    var message = document.getElementById("notice-preview-message");
    var token = body.form.elements.csrfmiddlewaretoken;
    var timer = null;
    var sent = 0; // the number of the last request: only its answer is shown

    function say(text) {
      if (message) {
        message.textContent = text;
      }
    }

    function refresh() {
      var number = ++sent;
      var data = new FormData();
      data.append("body", body.value);
      fetch(preview.dataset.url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token ? token.value : "" },
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.text();
        })
        .then(function (html) {
          if (number === sent) {
            // Sanitized on the server; under the CSP no script in it could run anyway.
            preview.innerHTML = html;
            preview.dataset.updated = String(number);
            say("");
          }
        })
        .catch(function () {
          if (number === sent) {
            say("プレビューを表示できませんでした。「プレビュー」ボタンをお使いください。");
          }
        });
    }

    body.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, DELAY_MS);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
