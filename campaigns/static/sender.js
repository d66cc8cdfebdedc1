// Says, as the officer types, whether a sender is one-way (a name) or can receive replies.
// The server checks the sender properly when the step is saved; this is only a hint.
(function () {
  "use strict";
  var input = document.querySelector("[data-sender-kind]");
  if (!input) { return; }
  var note = document.getElementById(input.dataset.senderKind);
  var serviceSid = /^MG[0-9a-fA-F]{32}$/;
  var numberLike = /^[+0-9 ()-]+$/;

  function describe(value) {
    value = value.trim();
    if (!value) { return ["", false]; }
    if (serviceSid.test(value)) { return ["A Messaging Service: people can reply.", false]; }
    if (numberLike.test(value)) { return ["A number: people can reply to it.", false]; }
    return ["One-way sender: nobody can reply to a name. The text must give another route " +
            "(a phone number, a web address or Crimestoppers), or approval is blocked.", true];
  }

  function show() {
    var result = describe(input.value);
    note.textContent = result[0];
    note.classList.toggle("warning", result[1]);
  }

  input.addEventListener("input", show);
  // The field may already hold a sender (the force's default, a saved step, or typing that
  // began before this script ran): say what it is now, not only after the next keystroke.
  show();
})();
