/*
 * The demo payment provider's card form script (docs/payments.md).
 *
 * The portal's card form carries data-demopay-endpoint and data-demopay-key. Its card
 * inputs have no name, so the browser never submits them to the portal: on submit this
 * script sends them to the provider, puts the single-use token it returns into the hidden
 * card_token field, empties the card inputs and submits the form. A refusal is shown
 * beside its input and nothing is submitted.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-demopay-endpoint]");
  if (!form) {
    return;
  }
  var INPUTS = { number: "card-number", expiry: "card-expiry", cvc: "card-cvc" };
  var NETWORK_ERROR =
    "カード情報を確認できませんでした。通信環境をご確認のうえ、もう一度お試しください。";
  var tokenField = form.querySelector("input[name=card_token]");
  var button = form.querySelector("button[type=submit]");
  var sending = false;

  function errorList(field) {
    return document.getElementById((INPUTS[field] || INPUTS.number) + "-errors");
  }

  function clearErrors() {
    Object.keys(INPUTS).forEach(function (field) {
      var list = errorList(field);
      list.textContent = "";
      list.hidden = true;
      list.parentElement.classList.remove("has-error");
    });
  }

  function showError(field, message) {
    var list = errorList(field);
    var item = document.createElement("li");
    item.textContent = message;
    list.appendChild(item);
    list.hidden = false;
    list.parentElement.classList.add("has-error");
    var input = document.getElementById(INPUTS[field] || INPUTS.number);
    if (input) {
      input.focus();
    }
  }

  function value(field) {
    return document.getElementById(INPUTS[field]).value;
  }

  function done() {
    sending = false;
    button.disabled = false;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sending) {
      return;
    }
    sending = true;
    button.disabled = true;
    clearErrors();
    fetch(form.dataset.demopayEndpoint, {
      method: "POST",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        public_key: form.dataset.demopayKey,
        number: value("number"),
        expiry: value("expiry"),
        cvc: value("cvc"),
      }),
    })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (result) {
        if (result.ok && result.body.token) {
          tokenField.value = result.body.token;
          Object.keys(INPUTS).forEach(function (field) {
            document.getElementById(INPUTS[field]).value = "";
          });
          form.submit();
          return;
        }
        var error = result.body.error || {};
        showError(error.field, error.message || NETWORK_ERROR);
        done();
      })
      .catch(function () {
        showError("number", NETWORK_ERROR);
        done();
      });
  });
})();
