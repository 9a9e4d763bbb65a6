// 「住所検索」 in the page (D6.2): with JavaScript the button asks the desk's lookup URL and
// fills 住所 without leaving the page; without it, the button submits the form and the
// server shows the page again with 住所 filled. No inline script: strict CSP.
(function () {
  "use strict";
  var button = document.getElementById("postal-lookup");
  if (!button || !window.fetch) {
    return;
  }
  var form = button.form;
  var code = form.elements.postal_code;
  var address = form.elements.address;
  var message = document.getElementById("postal-lookup-message");

  function show(text, isError) {
    message.textContent = text;
    message.classList.toggle("errorlist", isError);
  }

  button.addEventListener("click", function (event) {
    event.preventDefault();
    var url = button.dataset.url + "?code=" + encodeURIComponent(code.value);
    button.disabled = true;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        if (data.found) {
          code.value = data.postal_code;
          address.value = data.address;
          show("住所を入力しました：" + data.address, false);
          address.focus();
        } else {
          show(data.message, true);
          code.focus();
        }
      })
      .catch(function () {
        show("住所を検索できませんでした。住所を直接入力してください。", true);
      })
      .finally(function () {
        button.disabled = false;
      });
  });
})();
