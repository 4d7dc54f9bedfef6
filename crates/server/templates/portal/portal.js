// Copy buttons for the endpoint URL and token. The page works without this script: the values
// are in read-only fields that can be selected and copied by hand.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button.copy");
  if (!button) return;
  var field = document.getElementById(button.getAttribute("data-copy"));
  var status = document.querySelector(".copy-status");
  var label = field && field.labels && field.labels[0] ? field.labels[0].textContent : "Value";
  function done(ok) {
    if (status) status.textContent = ok ? label + " copied." : "Select the text and copy it.";
    button.textContent = ok ? "Copied" : "Copy";
  }
  field.select();
  if (navigator.clipboard && navigator.clipboard.writeText) {
    navigator.clipboard.writeText(field.value).then(function () { done(true); }, function () {
      done(document.execCommand && document.execCommand("copy"));
    });
  } else {
    done(document.execCommand && document.execCommand("copy"));
  }
});
