// Tequio's only script, and only an enhancement: every page works without it.
// 1. Parts of a page marked `data-live` (a datastore load in progress) refresh themselves
//    every few seconds until they stop saying they are live.
// 2. Forms that send files show how much has been sent.
(function () {
  'use strict';

  function refreshLive() {
    var live = document.querySelectorAll('[data-live]');
    if (!live.length) return;
    window.setTimeout(function () {
      fetch(window.location.href, { credentials: 'same-origin' })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, 'text/html');
          live.forEach(function (el) {
            var now = el.id && fresh.getElementById(el.id);
            if (now) el.replaceWith(now);
          });
          refreshLive();
        })
        .catch(function () { /* the link to refresh by hand is still there */ });
    }, 3000);
  }

  function showUploadProgress(form) {
    form.addEventListener('submit', function (event) {
      var files = form.querySelectorAll('input[type="file"]');
      var bytes = 0;
      files.forEach(function (f) { if (f.files) for (var i = 0; i < f.files.length; i++) bytes += f.files[i].size; });
      if (bytes < 1024 * 1024 || !window.FormData) return; // small files go the plain way
      event.preventDefault();
      var label = form.getAttribute('data-sending') || '';
      var status = document.createElement('p');
      status.setAttribute('role', 'status');
      var bar = document.createElement('progress');
      bar.max = 100;
      bar.value = 0;
      status.appendChild(document.createTextNode(label + ' '));
      status.appendChild(bar);
      var percent = document.createElement('span');
      status.appendChild(percent);
      form.appendChild(status);
      var xhr = new XMLHttpRequest();
      xhr.open(form.method || 'POST', form.action);
      xhr.upload.addEventListener('progress', function (e) {
        if (!e.lengthComputable) return;
        var p = Math.round((100 * e.loaded) / e.total);
        bar.value = p;
        percent.textContent = ' ' + p + ' %';
      });
      xhr.addEventListener('load', function () {
        if (xhr.responseURL && xhr.responseURL !== form.action) {
          window.location.assign(xhr.responseURL);
        } else {
          document.open();
          document.write(xhr.responseText);
          document.close();
        }
      });
      xhr.addEventListener('error', function () { form.submit(); });
      xhr.send(new FormData(form));
    });
  }

  document.querySelectorAll('form[enctype="multipart/form-data"]').forEach(showUploadProgress);
  refreshLive();
})();
