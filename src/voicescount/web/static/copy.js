// Progressive enhancement: a "Copy" button for each citation. Without JavaScript the buttons
// stay hidden and the citations remain selectable text with a download link.
(function () {
  "use strict";
  var box = document.querySelector(".citations");
  if (!box || !navigator.clipboard) {
    return;
  }
  var status = box.querySelector(".copy-status");
  box.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source) {
        return;
      }
      navigator.clipboard.writeText(source.textContent).then(
        function () {
          status.textContent = box.getAttribute("data-copied");
        },
        function () {
          status.textContent = box.getAttribute("data-copy-failed");
        }
      );
    });
  });
})();
